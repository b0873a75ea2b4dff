"""What the need page shows of each match: how sure we are, in words the SME reads.

Confidence levels (strong, possible, weak) come from the calibrated probability the engine
stores with each match (``components["probability"]``: the chance that the plug-in is a good
or ideal fit, calibrated on labelled needs), by the thresholds of the shipped model
(``matching.model.confidence_level``). Matches stored before the calibration existed keep the
older rule: ``strong`` when the words (as written, or through the dictionary translation
across languages) or the capability both sides share carry the match and it scores near the
best, ``weak`` when neither the words nor a shared capability support it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from app.models import Match
from app.services.matching import supported, word_likeness
from matching.model import confidence_level

LEVELS = ("strong", "possible", "weak")
STRONG_SHARE = 0.75  # of the best match's score

# Score parts as the SME reads them (the engine's names are for engineers).
COMPONENT_LABELS = {
    "text": _l("Words of your need"),
    "bridge": _l("Your words in the other language"),
    "coverage": _l("Share of your words found"),
    "subword": _l("Similar spellings"),
    "feedback": _l("Like the best matches"),
    "capability": _l("Kind of solution"),
    "industry": _l("Industry"),
    "region": _l("Province and on-site delivery"),
    "size": _l("Company size"),
    "budget": _l("Budget"),
    "timeline": _l("Time to go live"),
    "maturity": _l("Digital maturity"),
    "quality": _l("Verified reviews"),
}


@dataclass
class Confident:
    match: Match
    level: str


def confidence(match: Match, best_score: float) -> str:
    """``strong``, ``possible`` or ``weak`` for one stored match."""
    parts = match.components or {}
    probability = parts.get("probability")
    if probability is not None:
        level = confidence_level(float(probability))
        if level is not None:
            return level
    if not supported(parts):
        return "weak"
    if (
        best_score > 0
        and match.score >= STRONG_SHARE * best_score
        and (word_likeness(parts) >= 0.3 or float(parts.get("capability", 0.0)) > 0)
    ):
        return "strong"
    return "possible"


def graded(matches: list[Match]) -> tuple[list[Confident], list[Confident]]:
    """(matches shown, weaker matches folded away), each with its confidence level.

    Pinned matches are always shown: an admin recommended them.
    """
    best = max((m.score for m in matches), default=0.0)
    shown, folded = [], []
    for m in matches:
        item = Confident(m, confidence(m, best))
        (folded if item.level == "weak" and m.status.value != "pinned" else shown).append(item)
    return shown, folded


def component_parts(match: Match) -> list[tuple[str, float]]:
    """(readable label, value) of the score parts, largest first."""
    labels = _component_labels(str(get_locale()))
    parts = [
        (labels[name], float(value))
        for name, value in (match.components or {}).items()
        if name in labels
    ]
    return sorted(parts, key=lambda p: -p[1])


@lru_cache(maxsize=8)
def _component_labels(locale: str) -> dict[str, str]:
    """The labels translated once per language (a card would translate a dozen each)."""
    del locale  # the cache key: str() below translates into the current locale
    return {name: str(label) for name, label in COMPONENT_LABELS.items()}
