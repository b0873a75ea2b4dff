"""Text analysis for the catalogue index: Chinese and English in the same field.

A listing's text may be Chinese, English or both ("MES 系统 for 小批量 production"),
so one tokenizer splits the text into runs of CJK characters and runs of
letters/digits: CJK runs are segmented with jieba, the others become words.
English words are then lower-cased, stop words dropped and stems taken
(Porter), so "scheduling" finds "schedule"; Chinese words are kept as jieba
cut them. Two words joined by a hyphen are also indexed as one ("cross-border"
adds "crossborder"), so the compound is found however it is written.

When indexing, every character bigram of a Chinese run is added at the
position of the jieba word it starts in, so a query for 批量 finds 小批量
(segmented 小批量 or 小 / 批量生产) while jieba words keep consecutive
positions for phrases. Queries are cut in jieba's accurate mode only.

The classes are pickled into the index's schema by Whoosh: keep their import
path (``app.search.analysis``) stable.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

import jieba
from whoosh.analysis import Composable, CompositeAnalyzer, Filter, Token, Tokenizer
from whoosh.analysis.filters import STOP_WORDS
from whoosh.lang.porter import stem as porter_stem

# CJK unified ideographs (basic, extension A, compatibility) and the iteration mark 〇.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3007"
_RUN_RE = re.compile(rf"([{_CJK}]+)|((?:(?![{_CJK}])[^\W_])+)")

# Function words too frequent to help ranking. Chinese single characters other
# than these (厂, 布, 鞋 …) carry meaning and are kept.
ENGLISH_STOP_WORDS = frozenset(STOP_WORDS | {"our", "we", "us", "my", "i", "me", "you"})
CHINESE_STOP_WORDS = frozenset(
    [
        "的",
        "了",
        "和",
        "与",
        "及",
        "或",
        "在",
        "是",
        "我",
        "我们",
        "你",
        "你们",
        "他们",
        "它",
        "这",
        "那",
        "就",
        "都",
        "也",
        "还",
        "又",
        "把",
        "被",
        "让",
        "给",
        "对",
        "从",
        "向",
        "为",
        "以",
        "于",
        "而",
        "并",
        "等",
        "之",
        "其",
        "个",
        "着",
        "吗",
        "呢",
        "吧",
        "啊",
        "很",
        "有",
        "没有",
        "不",
        "想",
        "要",
        "能",
        "会",
        "可以",
        "一个",
        "一些",
        "这个",
        "那个",
        "什么",
        "怎么",
        "如何",
        "因为",
        "所以",
        "但是",
        "可是",
        "如果",
        "然后",
        "现在",
        "已经",
    ]
)

# Domain words jieba's general dictionary lacks; added to a private jieba
# instance so other users of jieba in the process keep their segmentation.
DOMAIN_WORDS = [
    "排产",
    "排程",
    "数采",
    "等保",
    "碳核算",
    "直播带货",
    "机器视觉",
    "预测性维护",
    "小批量",
    "工业互联网",
    "数字孪生",
    "上云",
    "质检",
    "追溯",
    "能耗",
    "工单",
    "报工",
    "扫码",
    "看板",
    "良率",
    "稼动率",
    "模流",
    "染缸",
    "柔性生产",
]

_jieba_lock = threading.Lock()
_segmenter: jieba.Tokenizer | None = None


def segmenter() -> jieba.Tokenizer:
    """The search's own jieba instance, loaded once per process without stderr chatter."""
    global _segmenter
    if _segmenter is None:
        with _jieba_lock:
            if _segmenter is None:
                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                for word in DOMAIN_WORDS:
                    tokenizer.add_word(word, freq=2000)
                _segmenter = tokenizer
    return _segmenter


@lru_cache(maxsize=100_000)
def english_stem(word: str) -> str:
    """The Porter stem of an ASCII word; other words come back unchanged."""
    if word.isascii() and word.isalpha():
        return porter_stem(word)
    return word


def _normalise(word: str) -> str:
    # NFKC folds full-width letters and digits (ＡＰＳ, ５Ｇ) into ASCII.
    if word.isascii():
        return word.lower()
    return unicodedata.normalize("NFKC", word).lower()


def _cjk_words(run: str, index_mode: bool) -> tuple[tuple[str, int, int, bool], ...]:
    """(word, start, end, new_position) for a run of CJK characters.

    Queries get jieba's accurate cut. Indexing adds every character bigram of
    the run, at the position of the accurate word it starts in, so a query
    word is found even where the listing's context made jieba cut it
    differently (see ``CatalogueQueryParser``).
    """
    if len(run) <= _CACHED_RUN_CHARS:
        return _cjk_words_cached(run, index_mode)
    return _segment(run, index_mode)


# Short runs (labels, names, query words) repeat across listings: segment them once.
_CACHED_RUN_CHARS = 24


@lru_cache(maxsize=50_000)
def _cjk_words_cached(run: str, index_mode: bool) -> tuple[tuple[str, int, int, bool], ...]:
    return _segment(run, index_mode)


def _segment(run: str, index_mode: bool) -> tuple[tuple[str, int, int, bool], ...]:
    seg = segmenter()
    words = list(seg.tokenize(run, HMM=True))
    if not index_mode:
        return tuple((word, start, end, True) for word, start, end in words)
    found: list[tuple[str, int, int, bool]] = []
    for word, start, end in words:
        found.append((word, start, end, True))
        for k in range(start, end):
            bigram = run[k : k + 2]
            if len(bigram) == 2 and bigram != word:
                found.append((bigram, k, k + 2, False))
    return tuple(found)


def _hyphen_compound(value: str, run: re.Match, following: re.Match | None) -> str | None:
    """The joined form of two Latin words written with a hyphen between them, or None."""
    if (
        following is None
        or following.group(2) is None
        or following.start() != run.end() + 1
        or value[run.end()] != "-"
    ):
        return None
    return run.group(2) + following.group(2)


def cjk_bigrams(word: str) -> list[str]:
    """The overlapping character bigrams of a CJK word (indexed for every CJK run)."""
    return [word[i : i + 2] for i in range(len(word) - 1)]


class BilingualTokenizer(Tokenizer):
    """Splits mixed Chinese/English text into lower-cased words with offsets.

    With ``cjk=False`` Chinese runs are skipped (the spelling vocabulary is
    English only, and segmenting them twice would double indexing time).
    """

    def __init__(self, cjk: bool = True):
        self.cjk = cjk

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs,
    ) -> Iterator[Token]:
        segmenter()
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            token.original = token.text = value
            token.boost = 1.0
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar, token.endchar = start_char, start_char + len(value)
            yield token
            return
        index_mode = mode == "index"
        pos = start_pos - 1
        runs = list(_RUN_RE.finditer(value))
        for i, match in enumerate(runs):
            offset = match.start()
            if match.group(1) is not None:
                if not self.cjk:
                    continue
                words = _cjk_words(match.group(1), index_mode)
            else:
                words = [(match.group(2), 0, len(match.group(2)), True)]
                joined = _hyphen_compound(value, match, runs[i + 1] if i + 1 < len(runs) else None)
                if index_mode and joined:
                    # "cross-border" is also indexed as "crossborder", at the same position,
                    # so either spelling finds the other (the query side: query.py).
                    words.append((joined, 0, len(joined), False))
            for word, start, end, new_position in words:
                if new_position:
                    pos += 1
                token.original = word
                token.text = _normalise(word)
                token.boost = 1.0
                token.stopped = False
                if positions:
                    token.pos = pos
                if chars:
                    token.startchar = start_char + offset + start
                    token.endchar = start_char + offset + end
                yield token


class BilingualStopFilter(Filter):
    """Drops English and Chinese function words and one-letter Latin tokens.

    Positions are renumbered over the kept tokens, so the phrase "vibration
    and temperature" matches "vibration temperature" as Whoosh's StopFilter does.
    """

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        last_position, position = None, -1
        for token in tokens:
            text = token.text
            stop = (
                text in ENGLISH_STOP_WORDS
                or text in CHINESE_STOP_WORDS
                or (len(text) < 2 and text.isascii() and text.isalpha())
            )
            if stop:
                if not token.removestops:
                    # The highlighter asks for stop words to be kept but marked.
                    token.stopped = True
                    yield token
                continue
            if token.positions:
                if token.pos != last_position:
                    last_position, position = token.pos, position + 1
                token.pos = position
            yield token


class EnglishStemFilter(Filter):
    """Porter-stems ASCII words; Chinese words and codes pass unchanged."""

    is_morph = True

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            if not token.stopped:
                token.text = english_stem(token.text)
            yield token


class EnglishWordsFilter(Filter):
    """Keeps only alphabetic ASCII words: the vocabulary for spelling suggestions."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token in tokens:
            if token.text.isascii() and token.text.isalpha() and len(token.text) > 2:
                yield token


def bilingual_analyzer() -> Composable:
    """The analyzer of every full-text field: segmentation, stop words, stemming."""
    return CompositeAnalyzer(BilingualTokenizer(), BilingualStopFilter(), EnglishStemFilter())


def spelling_analyzer() -> Composable:
    """Unstemmed English words, the dictionary "did you mean" draws from."""
    return CompositeAnalyzer(
        BilingualTokenizer(cjk=False), BilingualStopFilter(), EnglishWordsFilter()
    )


def analyse(text: str, mode: str = "query") -> list[str]:
    """The terms ``text`` becomes in the index (``mode`` "index" or "query")."""
    return [t.text for t in bilingual_analyzer()(text, mode=mode) if not t.stopped]
