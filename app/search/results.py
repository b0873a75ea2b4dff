"""What a catalogue search returns to the page."""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup

SORTS = ("relevance", "rating", "price_asc", "price_desc", "name")


@dataclass(frozen=True)
class Hit:
    """One listing on the result page; ``name_html``/``summary_html`` are safe to render.
    Hashable (tuples, not lists): the page renders each distinct card once (app.web.fragments)."""

    slug: str
    score: float | None
    name: str
    name_html: Markup
    summary_html: Markup
    vendor: str | None
    lang: str | None
    capabilities: tuple[str, ...]
    industries: tuple[str, ...]
    regions: tuple[str, ...]
    deployment: tuple[str, ...]
    price_min: int | None
    price_max: int | None
    rating: float | None
    review_count: int


@dataclass(frozen=True)
class FacetValue:
    code: str
    label: str
    count: int
    selected: bool


@dataclass
class SearchResult:
    """A page of hits with facet counts over the whole filtered result set.

    ``query`` is the text actually searched (cleaned); ``did_you_mean`` a
    corrected query to offer as a link; ``message`` a friendly sentence in the
    requested language when the query was changed, relaxed or found nothing,
    and ``notices`` the codes behind it.
    """

    query: str
    total: int
    page: int
    per_page: int
    sort: str
    hits: list[Hit] = field(default_factory=list)
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    did_you_mean: str | None = None
    notices: list[str] = field(default_factory=list)
    message: str | None = None

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))
