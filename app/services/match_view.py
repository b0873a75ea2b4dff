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

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from app.models import Match, Need
from app.services.matching import supported, word_likeness
from app.services.plugin_hooks import HookResults
from app.services.ratings import Rating
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
    "precedent": _l("Chosen for needs like yours"),
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


@dataclass(frozen=True)
class MatchCard:
    """Everything one match card on the need page shows, as plain values: the card is
    rendered once per distinct card (app.web.fragments) and reused until one of them changes."""

    position: int
    level: str
    listing_id: int
    slug: str
    name: str
    summary: str | None
    vendor_id: int
    vendor_name: str
    vendor_verified: bool
    rating: float
    review_count: int
    price_min: Decimal
    price_max: Decimal
    delivery_weeks: int | None
    explanation: str
    pinned: bool
    score: float
    parts: tuple[tuple[str, float], ...]
    model_version: str
    hooks: HookResults
    budget_max: Decimal | None
    requested: bool  # a request for quotes went to it already
    pickable: bool  # may be ticked for a request for quotes
    picked: bool  # ticked in a request that came back refused
    invalid: bool  # that request was refused for its ticks


@dataclass(frozen=True)
class CardState:
    """What the SME's requests decide about the cards: which plug-ins were asked already,
    whether more may be asked, and the ticks of a refused request."""

    requested: Collection[int]
    can_request: bool
    picked: Collection[int] = ()
    invalid: bool = False


def match_cards(
    items: list[Confident],
    need: Need,
    state: CardState,
    ratings: Mapping[int, Rating],
    hooks: Mapping[int, HookResults],
    first_position: int = 1,
) -> list[MatchCard]:
    """The cards of ``items`` in order, numbered from ``first_position``."""
    cards = []
    for position, item in enumerate(items, start=first_position):
        m, listing = item.match, item.match.listing
        rating = ratings.get(listing.vendor_id)
        requested = m.listing_id in state.requested
        cards.append(
            MatchCard(
                position=position,
                level=item.level,
                listing_id=m.listing_id,
                slug=listing.slug,
                name=listing.name,
                summary=listing.summary,
                vendor_id=listing.vendor_id,
                vendor_name=listing.vendor.name,
                vendor_verified=listing.vendor.verification.value == "verified",
                rating=rating.bayesian if rating else 0.0,
                review_count=rating.count if rating else 0,
                price_min=listing.price_min,
                price_max=listing.price_max,
                delivery_weeks=listing.delivery_weeks,
                explanation=m.explanation,
                pinned=m.status.value == "pinned",
                score=m.score,
                parts=tuple(component_parts(m)),
                model_version=m.model_version,
                hooks=hooks[m.listing_id],
                budget_max=need.budget_max,
                requested=requested,
                pickable=state.can_request and not requested,
                picked=m.listing_id in state.picked,
                invalid=state.invalid,
            )
        )
    return cards
