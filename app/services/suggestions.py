"""Capabilities proposed to an SME who cannot name what it needs: the trained capability
reader's calibrated guesses from the need's text, each with the words that suggested it. The
SME accepts or ignores them; nothing is ticked for it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from matching.capabilities import capability_hits
from matching.model import default_model

SUGGEST_THRESHOLD = 0.2  # a proposal the SME accepts or not, so a modest probability


def suggest_capabilities(text: str, lang: str | None = None) -> list[tuple[str, float]]:
    """Capability codes for an owner who does not know the taxonomy, with the trained
    reader's calibrated probability (at least ``SUGGEST_THRESHOLD``), most probable first."""
    del lang  # the reader reads both languages
    return default_model().need_reader.suggest(text, threshold=SUGGEST_THRESHOLD)


@dataclass(frozen=True)
class Suggestion:
    """A capability the text seems to ask for, with the words of the text that suggest it."""

    code: str
    score: float
    words: list[str]


def proposals(text: str, lang: str | None = None) -> list[Suggestion]:
    """Capabilities to propose on the need form, most probable first, each with the whole
    words of ``text`` that suggested it (the SME decides, nothing is ticked)."""
    hits = capability_hits(text or "")
    return [
        Suggestion(code, score, whole_words(text, hits.get(code, [])))
        for code, score in suggest_capabilities(text, lang)
    ]


_WORDISH = re.compile(r"[A-Za-z0-9]")


def whole_words(text: str, keywords: list[str], limit: int = 3) -> list[str]:
    """The words of ``text`` in which each keyword occurs, as the owner wrote them.

    English keywords are word beginnings ("schedul"), so the word around them is shown
    ("scheduling"); Chinese keywords are words already.
    """
    found: list[str] = []
    for keyword in keywords:
        shown = keyword.replace("_", " ")
        if _WORDISH.search(shown):
            pattern = (
                r"(?<![A-Za-z0-9])" + re.escape(shown).replace(r"\ ", r"[\s_-]+") + r"[A-Za-z0-9]*"
            )
            match = re.search(pattern, text, flags=re.IGNORECASE)
            if match is None:
                continue
            shown = match.group(0)
        if shown not in found:
            found.append(shown)
        if len(found) >= limit:
            break
    return found
