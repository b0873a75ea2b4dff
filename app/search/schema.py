"""What the catalogue index stores for a plug-in, and how a document dict maps onto it.

The portal hands over one plain dict per published plug-in (see
``CatalogueDocument``); codes are turned into their English and Chinese
labels here, so "predictive maintenance" and 预测性维护 both find a listing
tagged ``equipment.maintenance`` whatever language its text is in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypedDict

from whoosh.columns import NumericColumn, VarBytesColumn
from whoosh.fields import COLUMN, ID, KEYWORD, STORED, TEXT, Schema

from app.search.analysis import bilingual_analyzer, spelling_analyzer
from matching.taxonomy import ANY, ANY_LABEL, CAPABILITIES, DEPLOYMENTS, INDUSTRIES, REGIONS, Label

# Bump when the fields or the analysis change: an index of another version is rebuilt.
SCHEMA_VERSION = 3  # 3: hyphenated compounds also indexed joined


class CatalogueDocument(TypedDict, total=False):
    """One published plug-in as the portal's model produces it."""

    slug: str
    name: str
    summary: str | None
    description: str | None
    vendor: str | None
    lang: str | None
    capabilities: list[str]
    industries: list[str]
    regions: list[str]
    company_sizes: list[str]
    price_min: int | None
    price_max: int | None
    deployment: list[str]
    rating: float | None
    review_count: int


class InvalidDocument(ValueError):
    """A document the index cannot take (missing slug or name, wrong types)."""


@dataclass(frozen=True)
class PriceBand:
    code: str
    low: int  # inclusive, CNY
    high: int | None  # exclusive; None = no upper bound
    label: Label


# First-year total cost bands, CNY. A listing belongs to every band its price range touches.
PRICE_BANDS: tuple[PriceBand, ...] = (
    PriceBand("lt10k", 0, 10_000, Label("Under ¥10k", "1万元以下")),
    PriceBand("10k-50k", 10_000, 50_000, Label("¥10k-50k", "1万-5万元")),
    PriceBand("50k-200k", 50_000, 200_000, Label("¥50k-200k", "5万-20万元")),
    PriceBand("gt200k", 200_000, None, Label("Over ¥200k", "20万元以上")),
)
PRICE_BAND_LABELS: dict[str, Label] = {band.code: band.label for band in PRICE_BANDS}

# Facet name -> (index field, vocabulary of labels).
FACETS: dict[str, tuple[str, Mapping[str, Label]]] = {
    "capability": ("capability", CAPABILITIES),
    "industry": ("industry", INDUSTRIES),
    "region": ("region", REGIONS),
    "price_band": ("price_band", PRICE_BAND_LABELS),
    "deployment": ("deployment", DEPLOYMENTS),
}
# Facets where "*" (any industry / nationwide) satisfies every specific value.
WILDCARD_FACETS = frozenset({"industry", "region"})

# Full-text fields searched by a query, in the order the tuner reports them.
TEXT_FIELDS = (
    "name",
    "summary",
    "description",
    "vendor",
    "capability_text",
    "industry_text",
    "region_text",
)

NO_PRICE_LOW = 2**40  # sorts listings without a price after all priced ones (ascending)


class TextColumn(COLUMN):
    """A string per document in a column (UTF-8, so byte order is code-point order)."""

    def __init__(self) -> None:
        super().__init__(VarBytesColumn())

    def to_column_value(self, value: str | bytes) -> bytes:
        return value.encode("utf-8") if isinstance(value, str) else value


def build_schema() -> Schema:
    """The Whoosh schema of the catalogue index."""
    text = bilingual_analyzer()
    return Schema(
        slug=ID(stored=True, unique=True),
        name=TEXT(analyzer=text, stored=True),
        summary=TEXT(analyzer=text, stored=True),
        description=TEXT(analyzer=text),
        vendor=TEXT(analyzer=text, stored=True),
        capability_text=TEXT(analyzer=text),
        industry_text=TEXT(analyzer=text),
        region_text=TEXT(analyzer=text),
        spell=TEXT(analyzer=spelling_analyzer(), phrase=False),
        lang=ID(stored=True),
        capability=KEYWORD(commas=True, stored=True),
        industry=KEYWORD(commas=True, stored=True),
        region=KEYWORD(commas=True, stored=True),
        deployment=KEYWORD(commas=True, stored=True),
        price_band=KEYWORD(commas=True),
        # Shown, never searched: stored only (indexed numbers cost 2-4 terms each).
        price_min=STORED(),
        price_max=STORED(),
        rating=STORED(),
        review_count=STORED(),
        # Sort keys: per-document columns only, read into arrays by app.search.scoring.
        name_sort=TextColumn(),
        rating_sort=COLUMN(NumericColumn("q")),  # rating x 1000, -1 without one
        price_low_sort=COLUMN(NumericColumn("q")),
        price_high_sort=COLUMN(NumericColumn("q")),
    )


def price_bands(price_min: int | None, price_max: int | None) -> list[str]:
    """The bands a listing priced ``price_min``..``price_max`` CNY falls into."""
    if price_min is None and price_max is None:
        return []
    low = price_min if price_min is not None else price_max
    high = price_max if price_max is not None else price_min
    low, high = min(low, high), max(low, high)
    return [
        band.code
        for band in PRICE_BANDS
        if high >= band.low and (band.high is None or low < band.high)
    ]


def _labels(codes: list[str], vocabulary: Mapping[str, Label]) -> str:
    found = []
    for code in codes:
        label = ANY_LABEL if code == ANY else vocabulary.get(code)
        if label is not None:
            found += [label.en, label.zh]
    return "\n".join(found)


def _text(doc: Mapping[str, Any], key: str) -> str:
    value = doc.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidDocument(f"{key!r} must be a string or None, got {type(value).__name__}")
    return value


def _codes(doc: Mapping[str, Any], key: str) -> list[str]:
    value = doc.get(key) or []
    if isinstance(value, str) or not all(isinstance(code, str) for code in value):
        raise InvalidDocument(f"{key!r} must be a list of code strings, got {value!r}")
    # Commas separate values in the index; codes never contain them.
    return [code for code in value if code and "," not in code]


def _number(doc: Mapping[str, Any], key: str, kind: type) -> Any:
    value = doc.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidDocument(f"{key!r} must be a number or None, got {value!r}")
    return kind(value)


def _first_known(*values: int | None) -> int:
    return next(value for value in values if value is not None)


def to_fields(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The index fields of one catalogue document; raises InvalidDocument when unusable."""
    slug = doc.get("slug")
    if not isinstance(slug, str) or not slug.strip():
        raise InvalidDocument(f"a document needs a non-empty string 'slug', got {slug!r}")
    name = _text(doc, "name").strip()
    if not name:
        raise InvalidDocument(f"document {slug!r} needs a non-empty 'name'")
    summary, description, vendor = (_text(doc, k) for k in ("summary", "description", "vendor"))
    capabilities, industries, regions, deployment = (
        _codes(doc, k) for k in ("capabilities", "industries", "regions", "deployment")
    )
    price_min, price_max = _number(doc, "price_min", int), _number(doc, "price_max", int)
    rating = _number(doc, "rating", float)
    review_count = _number(doc, "review_count", int) or 0
    english_labels = _labels(capabilities, CAPABILITIES)
    fields: dict[str, Any] = {
        "slug": slug,
        "name": name,
        "summary": summary,
        "description": description,
        "vendor": vendor,
        "capability_text": english_labels,
        "industry_text": _labels(industries, INDUSTRIES),
        "region_text": _labels(regions, REGIONS),
        "spell": "\n".join((name, summary, description, vendor, english_labels)),
        "lang": doc.get("lang") or "",
        "capability": ",".join(capabilities),
        "industry": ",".join(industries),
        "region": ",".join(regions),
        "deployment": ",".join(deployment),
        "price_band": ",".join(price_bands(price_min, price_max)),
        "review_count": review_count,
        "name_sort": name.casefold(),
        "rating_sort": round(rating * 1000) if rating is not None else -1,
        "price_low_sort": _first_known(price_min, price_max, NO_PRICE_LOW),
        "price_high_sort": _first_known(price_max, price_min, -1),
    }
    # Whoosh stores None as a value; leave absent numbers out instead.
    for key, value in (("price_min", price_min), ("price_max", price_max), ("rating", rating)):
        if value is not None:
            fields[key] = value
    return fields
