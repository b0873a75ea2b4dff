"""What a query means beyond its literal words: compound heads and the bilingual bridge.

Two general rules, no per-query lists:

- **Compound heads.** An English query word that begins longer words of the index's own
  vocabulary also finds them, at half weight: "store" finds "storefront", "shop" finds
  "shopfloor"; "work" finds "workflow" and "workshop". Only extensions of three letters
  or more count (shorter ones are inflections the stemmer already folds).
- **The bilingual bridge.** For a query in one language, the engine reads which
  capabilities it asks for (``matching.suggest_capabilities``); the capability labels of both
  languages are indexed with every listing (``capability_text``), so "能耗" finds the
  English energy-monitoring plug-in through the code both sides share. Each capability
  contributes at most its suggestion weight in total, however long its label
  (structured, as query translation weighs a word's glosses together).
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache

from whoosh import query
from whoosh.searching import Searcher

from app.search.analysis import analyse
from matching import suggest_capabilities
from matching.taxonomy import CAPABILITIES

HEAD_BOOST = 0.5  # a compound found by its head counts half
MIN_HEAD = 4  # shorter words begin too many others ("data" → "database" is fine, "ai" is not)
MIN_EXTENSION = 3
MAX_COMPOUNDS = 5
BRIDGE_BOOST = 0.6  # the bridge informs; the words the user typed decide
BRIDGE_FIELD = "capability_text"
MIN_SUGGESTION = 0.5  # capabilities read this weakly from the query are left out
MAX_LABEL_SPREAD = 1


def compound_terms(searcher: Searcher, term: query.Term) -> list[query.Term]:
    """Index terms of ``term``'s field that ``term`` begins as a compound head."""
    text = term.text
    if not (isinstance(text, str) and text.isascii() and text.isalpha() and len(text) >= MIN_HEAD):
        return []
    reader = searcher.reader()
    if term.fieldname not in searcher.schema:
        return []
    found = []
    for candidate in reader.expand_prefix(term.fieldname, text):
        word = candidate.decode() if isinstance(candidate, bytes) else candidate
        if len(word) - len(text) >= MIN_EXTENSION and word.isalpha():
            found.append(query.Term(term.fieldname, word, boost=term.boost * HEAD_BOOST))
            if len(found) >= MAX_COMPOUNDS:
                break
    return found


@lru_cache(maxsize=1)
def _label_vocabulary() -> dict[str, tuple[str, ...]]:
    """Each capability's distinctive label terms: words that occur in the labels of more
    than one capability ("management", 管理, "accounting") would bridge to half the catalogue."""
    terms = {
        code: tuple(dict.fromkeys(analyse(f"{label.en}\n{label.zh}")))
        for code, label in CAPABILITIES.items()
    }
    spread = Counter(term for words in terms.values() for term in words)
    return {
        code: tuple(t for t in words if spread[t] <= MAX_LABEL_SPREAD)
        for code, words in terms.items()
    }


def bridge_query(text: str, boost: float) -> query.Query | None:
    """Capability-label terms for the capabilities ``text`` asks for, or None.

    Listings of either language are reached: the code is the same on both sides, and on
    labelled needs the bridge helps within a language too (README, search figures).
    """
    terms = []
    for code, weight in suggest_capabilities(text):
        if weight < MIN_SUGGESTION or code not in CAPABILITIES:
            continue
        words = _label_vocabulary()[code]
        share = BRIDGE_BOOST * boost * weight / max(len(words), 1)
        terms += [query.Term(BRIDGE_FIELD, word, boost=share) for word in words]
    return query.Or(terms) if terms else None
