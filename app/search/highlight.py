"""Highlighted snippets as safe HTML: the data is escaped, only ``<mark>`` is markup.

The listing's text goes through the index analyzer (index mode, so the same
words, Chinese sub-words and English stems the query matched are found);
the character spans of matched tokens are merged and wrapped in ``<mark>``,
and every character of the listing outside the markup is HTML-escaped.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from markupsafe import Markup, escape

from app.search.analysis import bilingual_analyzer

_ANALYZER = bilingual_analyzer()
ELLIPSIS = "…"


def _matched_spans(text: str, terms: frozenset[str]) -> tuple[tuple[int, int], ...]:
    """Merged character spans of the tokens of ``text`` in ``terms``."""
    spans = [
        (token.startchar, token.endchar)
        for token in _ANALYZER(text, chars=True, mode="index", removestops=False)
        if not token.stopped and token.text in terms
    ]
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)


def highlight(text: str | None, terms: Iterable[str], max_chars: int | None = None) -> Markup:
    """``text`` with ``terms`` marked, cut to about ``max_chars`` around the first hit."""
    if not text:
        return Markup("")
    return _highlighted(text, frozenset(terms), max_chars)


@lru_cache(maxsize=2048)  # at most a few MB: names and summaries cut to SUMMARY_CHARS
def _highlighted(text: str, wanted: frozenset[str], max_chars: int | None) -> Markup:
    """Cached as the spans are: a popular search shows the same listings again and again."""
    # Browsing without a query has nothing to mark: skip the analyzer (a fifth of the page).
    spans = _matched_spans(text, wanted) if wanted else ()
    start, end = 0, len(text)
    if max_chars is not None and len(text) > max_chars:
        # Centre the window a little before the first match so it has some context.
        first = spans[0][0] if spans else 0
        start = max(0, min(first - max_chars // 4, len(text) - max_chars))
        end = start + max_chars
    parts: list[str] = [ELLIPSIS] if start > 0 else []
    cursor = start
    for span_start, span_end in spans:
        if span_end <= start or span_start >= end:
            continue
        span_start, span_end = max(span_start, start), min(span_end, end)
        parts.append(escape(text[cursor:span_start]))
        parts.append(Markup("<mark>%s</mark>") % text[span_start:span_end])
        cursor = span_end
    parts.append(escape(text[cursor:end]))
    if end < len(text):
        parts.append(ELLIPSIS)
    return Markup("").join(parts)
