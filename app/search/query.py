"""Turning whatever a user typed into a Whoosh query, without ever failing.

Supported syntax is the small part of Whoosh's that a catalogue user may
want: words (any may match; listings matching more of them rank higher, see
``CoordOr``), "quoted phrases", ``OR``, ``NOT``/``-word`` and brackets. A
hyphen inside a word joins a compound ("cross-border" is the phrase "cross
border" or the word "crossborder"), it never excludes the second half. Field names, wildcards,
ranges and boosts are switched off: they are either expensive (``*``) or
expose the index's internals. Anything the parser cannot make sense of falls
back to the plain words of the query, with a notice to the user.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from whoosh import qparser, query
from whoosh.fields import Schema

from app.search.analysis import cjk_bigrams

MAX_QUERY_CHARS = 500

_CJK_WORD_RE = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3007]{3,}$")
_ENGLISH_WORD_RE = re.compile(r"[A-Za-z]{3,}")


@dataclass
class CleanQuery:
    """The query text as it will be searched, and what had to be changed."""

    text: str
    notices: list[str] = field(default_factory=list)


def clean_query(raw: object) -> CleanQuery:
    """Strip control and other invisible characters and cap the length."""
    text = raw if isinstance(raw, str) else ("" if raw is None else str(raw))
    # Categories C* (control, format, surrogates, private use, unassigned) become spaces.
    text = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text)
    notices = []
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS]
        notices.append("truncated")
    return CleanQuery(" ".join(text.split()), notices)


class CatalogueQueryParser(qparser.QueryParser):
    """Multi-field parser that also finds Chinese words jieba cut differently in a listing.

    A Chinese query word of three or more characters also matches when all of
    its character bigrams (indexed for every Chinese run) occur, so 小批量
    finds a listing that jieba segmented as 小 / 批量生产.
    """

    def term_query(self, fieldname, text, termclass, boost=1.0, tokenize=True, removestops=True):
        found = super().term_query(fieldname, text, termclass, boost, tokenize, removestops)
        return _with_bigrams(found)


def _with_bigrams(found: query.Query | None) -> query.Query | None:
    if isinstance(found, query.Term) and _CJK_WORD_RE.match(found.text):
        bigrams = query.And(
            [query.Term(found.fieldname, bg) for bg in cjk_bigrams(found.text)],
            boost=found.boost * 0.5,
        )
        return query.Or([found, bigrams])
    if isinstance(found, query.compound.CompoundQuery):
        found.subqueries = [_with_bigrams(sub) for sub in found.subqueries]
    return found


class CoordOr(query.Or):
    """Any of its children, scored as the sum of the matching children's scores times the
    share of children that match (the coordination factor of classic Lucene scoring).

    A listing that has "cross-border", "online" and "store" outranks one with only
    "online" many times over, but a listing missing one word is still found. Scored in
    NumPy by ``app.search.scoring``; where Whoosh scores instead (phrases) it is a plain Or.
    """


def coordinated(q: query.Query) -> tuple[query.Query, query.Query | None]:
    """(the words to rank, as a :class:`CoordOr`; what ``NOT``/``-word`` excludes, or None).

    Between words "any may match", but an exclusion still excludes: ``a -b`` is "a, and
    never b", not "a, or anything without b".
    """
    if isinstance(q, query.AndNot):  # "a -b" as Whoosh's plus/minus syntax builds it
        wanted, unwanted = coordinated(q.a)
        return wanted, query.Or([q.b, unwanted]) if unwanted is not None else q.b
    if type(q) is not query.Or:
        return q, None
    wanted = [sub for sub in q.subqueries if not isinstance(sub, query.Not)]
    unwanted = [sub.query for sub in q.subqueries if isinstance(sub, query.Not)]
    if not wanted:
        return q, None
    positive = CoordOr(wanted, boost=q.boost) if len(wanted) > 1 else wanted[0]
    return positive, (query.Or(unwanted) if unwanted else None)


_COMPOUND_RE = re.compile(r"(?<![\w-])([^\W_]+(?:-[^\W_]+)+)(?![\w-])")


def rewrite_compounds(text: str) -> str:
    """Hyphenated compounds as ``(joined OR "the parts")``, so the minus is no NOT."""

    def one(match: re.Match) -> str:
        parts = match.group(1).split("-")
        return f'({"".join(parts)} OR "{" ".join(parts)}")'

    if '"' in text:  # inside quotes a hyphen is already part of the phrase
        return text
    return _COMPOUND_RE.sub(one, text)


def expand_terms(q: query.Query, variants: Callable[[query.Term], list[query.Term]]) -> query.Query:
    """``q`` with every term ``t`` replaced by ``Or([t, *variants(t)])`` where there are any."""
    if isinstance(q, query.Term):
        more = variants(q)
        return query.Or([q, *more]) if more else q
    if isinstance(q, query.compound.CompoundQuery):
        q.subqueries = [expand_terms(sub, variants) for sub in q.subqueries]
    return q


def weighted_terms(
    fields: Iterable[str], weighted: dict[str, float], boost: float
) -> query.Query | None:
    """An Or of ``weighted`` index terms (term → weight) over ``fields``, or None."""
    terms = [
        query.Term(name, term, boost=boost * weight)
        for term, weight in weighted.items()
        for name in fields
    ]
    return query.Or(terms) if terms else None


def make_parser(schema: Schema, boosts: dict[str, float], match_all: bool) -> qparser.QueryParser:
    """A tolerant parser over the boosted text fields; ``match_all`` = AND between words."""
    group = qparser.AndGroup if match_all else qparser.OrGroup
    parser = CatalogueQueryParser(None, schema, group=group)
    for plugin_class in (
        qparser.SingleQuotePlugin,
        qparser.FieldsPlugin,
        qparser.WildcardPlugin,
        qparser.RangePlugin,
        qparser.BoostPlugin,
        qparser.EveryPlugin,
    ):
        parser.remove_plugin_class(plugin_class)
    parser.add_plugin(qparser.PlusMinusPlugin())
    fields = [name for name, boost in boosts.items() if boost > 0]
    parser.add_plugin(qparser.MultifieldPlugin(fields, fieldboosts=boosts))
    return parser


_SYNTAX_RE = re.compile(r"[\"()\[\]{}+\-^:*?~!\\/|&<>=%_'`;,.]")


def plain_query(parser: qparser.QueryParser, text: str) -> query.Query:
    """The words of ``text`` with every syntax character replaced by a space."""
    words = _SYNTAX_RE.sub(" ", text)
    words = re.sub(r"\b(AND|OR|NOT|ANDNOT|ANDMAYBE)\b", " ", words)
    return parser.parse(words)


def parse(parser: qparser.QueryParser, text: str) -> tuple[query.Query, bool]:
    """(query, used_as_given): falls back to plain words if the syntax made no sense."""
    try:
        parsed = parser.parse(rewrite_compounds(text))
    except Exception:  # any parser failure on user input means "use the plain words"
        return plain_query(parser, text), False
    if _has_error(parsed):
        return plain_query(parser, text), False
    return parsed, True


def _has_error(q: query.Query) -> bool:
    # Whoosh marks the parts it could not parse with an ``error`` attribute.
    if getattr(q, "error", None):
        return True
    return any(_has_error(sub) for sub in q.children())


def english_words(text: str) -> list[str]:
    """The English words of a query that spelling correction may look at."""
    return _ENGLISH_WORD_RE.findall(text)


def replace_words(text: str, corrections: dict[str, str]) -> str:
    """``text`` with each corrected word replaced, everything else untouched."""
    return _ENGLISH_WORD_RE.sub(lambda m: corrections.get(m.group(0), m.group(0)), text)


MESSAGES: dict[str, tuple[str, str]] = {
    "truncated": (
        f"Your search was long: only its first {MAX_QUERY_CHARS} characters were used.",
        f"搜索内容过长，仅使用了前 {MAX_QUERY_CHARS} 个字符。",
    ),
    "syntax": (
        "Some special characters in your search were ignored.",
        "搜索内容中的部分特殊符号已被忽略。",
    ),
    "no_terms": (
        "Your search had no words we could look for, so all listings are shown.",
        "搜索内容中没有可检索的词语，已显示全部方案。",
    ),
    "relaxed": (
        "No listing matches all of your words; showing listings that match some of them.",
        "没有同时包含全部词语的方案，以下是部分匹配的结果。",
    ),
    "no_results": (
        "No listing matches your search. Try fewer or more general words, "
        "check the spelling, or remove some filters.",
        "没有找到匹配的方案。请尝试更少或更通用的词语、检查拼写，或移除部分筛选条件。",
    ),
    "empty_catalogue": (
        "No plug-ins are published yet.",
        "目前还没有已发布的方案。",
    ),
    "fallback": (
        "Search is being repaired: these results come from a simpler search for now.",
        "搜索索引正在修复，以下结果暂由简化搜索提供。",
    ),
    "stale": (
        "Search is being repaired: the latest catalogue changes may be missing for a moment.",
        "搜索索引正在修复，最新的方案变动可能暂时未显示。",
    ),
}


def message_text(code: str, lang: str | None) -> str:
    """The user-facing text of a notice in ``lang`` (Chinese for "zh…", else English)."""
    en, zh = MESSAGES[code]
    return zh if (lang or "").lower().startswith("zh") else en
