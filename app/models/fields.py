"""Each input field's bounds, defined once; forms, API schemas and services derive theirs.

Pages (WTForms), the JSON API (pydantic) and the services (which the command line and the
demo call too) check a field with the same rule and the same message, so a page and the API
refuse the same input the same way. The bounds of the matching records' fields (texts,
amounts, weeks) come from :mod:`matching.types`, which checks JSONL files with them too; the
portal's own fields (messages, reasons, names) are defined here.

A rule gives: ``problem(value)`` (the message, or None) for services, ``wtf()`` validators
for forms, ``api()`` an annotated type for pydantic (same message, the bounds in OpenAPI).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from app.forms.fields import RuleCheck
from matching.types import MAX_CNY, MAX_TEXT

INT32_MAX = 2_147_483_647  # the database's integer columns: ids and counts
MAX_PAGE = 10_000  # list pages beyond this are clamped (no offset overflows the database)


@dataclass(frozen=True)
class Number:
    """A whole number from ``low`` to ``high``; ``too_small`` explains a sensible minimum."""

    low: int
    high: int
    too_small: Any = None  # a lazy message

    @property
    def max_digits(self) -> int:
        """Longer input is refused before it is converted (no giant integers anywhere)."""
        return len(str(self.high)) + 1

    def message(self) -> str:
        return str(
            _l("Enter a whole number from %(low)s to %(high)s.", low=self.low, high=self.high)
        )

    def problem(self, value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            return str(_l("Enter a whole number."))
        if value < self.low and self.too_small is not None:
            return str(self.too_small)
        if not self.low <= value <= self.high:
            return self.message()
        return None

    def wtf(self) -> list:
        return [RuleCheck(self)]

    def api(self, *, required: bool = False) -> Any:
        return Annotated[
            int,
            AfterValidator(_api_check(self)),
            Field(json_schema_extra={"minimum": self.low, "maximum": self.high}),
        ]


@dataclass(frozen=True)
class Text:
    """Text of at most ``high`` characters (after trimming); ``link`` for http(s) URLs."""

    high: int
    link: bool = False

    def message(self) -> str:
        return str(_l("At most %(n)s characters.", n=self.high))

    def problem(self, value: Any) -> str | None:
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            return str(_l("Enter text."))
        if len(value.strip()) > self.high:
            return self.message()
        if self.link and not is_web_link(value.strip()):
            return str(_l("Enter a web address starting with http:// or https://."))
        return None

    def wtf(self) -> list:
        return [RuleCheck(self)]

    def api(self) -> Any:
        schema: dict[str, Any] = {"maxLength": self.high}
        if self.link:
            schema.update(format="uri", pattern="^https?://")
        return Annotated[str, AfterValidator(_api_check(self)), Field(json_schema_extra=schema)]


@dataclass(frozen=True)
class Measure:
    """A measured value from ``low`` to ``high`` with at most ``places`` decimals (a KPI)."""

    low: float
    high: float
    places: int = 2

    @property
    def max_chars(self) -> int:
        """Longer input is refused before it is converted."""
        return len(str(int(self.high))) + self.places + 2

    def message(self, high: float | None = None) -> str:
        return str(
            _l(
                "Enter a number from %(low)s to %(high)s.",
                low=f"{self.low:g}",
                high=f"{self.high if high is None else high:g}",
            )
        )

    def problem(self, value: Any, *, high: float | None = None) -> str | None:
        """``high`` is a tighter bound of one use (a share in per cent: 100)."""
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
            return str(_l("Enter a number."))
        top = self.high if high is None else min(high, self.high)
        if not self.low <= value <= top:
            return self.message(top)
        if round(value, self.places) != value:
            return str(_l("At most %(n)s decimal places.", n=self.places))
        return None

    def wtf(self) -> list:
        return [RuleCheck(self)]

    def api(self) -> Any:
        return Annotated[
            float,
            AfterValidator(_api_check(self)),
            Field(json_schema_extra={"minimum": self.low, "maximum": self.high}),
        ]


def _api_check(rule: Number | Text | Measure):
    def check(value: Any) -> Any:
        message = rule.problem(value)
        if message is not None:
            raise PydanticCustomError("field_rule", message)
        return value

    return check


def is_web_link(value: str) -> bool:
    """An absolute http or https address with a host: the only links the portal stores
    (``javascript:``, ``data:`` and friends would run in the reader's browser)."""
    if not value or any(ord(c) < 33 or ord(c) == 127 for c in value) or "\\" in value:
        return False
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def check_link(value: str | None) -> str | None:
    """A stored link (model validator): None, or an http(s) address; else ValueError."""
    if value in (None, ""):
        return None
    if not is_web_link(value.strip()):
        raise ValueError("only http and https links are stored")
    return value.strip()


# --- the fields -------------------------------------------------------------------------------

# Texts
TITLE = Text(200)
LONG_TEXT = Text(MAX_TEXT)  # a need's or a listing's description
MESSAGE = Text(5000)  # messages, scopes, reviews, replies, an organisation's description
REASON = Text(2000)  # a reason for a decision (cancel, decline, withdraw, flag, moderate)
ORG_NAME = Text(200)
PERSON_NAME = Text(100)
EMAIL = Text(254)
WEBSITE = Text(300, link=True)

# Numbers
EMPLOYEES = Number(0, 1_000_000)
AMOUNT = Number(0, MAX_CNY)  # one part of a price (CNY)
BUDGET = Number(
    500,
    MAX_CNY,
    too_small=_l("A first-year budget starts at 500 CNY; below that no vendor can quote."),
)
TIMELINE_WEEKS = Number(
    1, 520, too_small=_l("Allow at least one week: no solution goes live faster.")
)
DELIVERY_WEEKS = Number(0, 520)
RECORD_ID = Number(1, INT32_MAX)  # an id typed or sent in a form field
SHARE_PERCENT = Number(1, 100)  # a programme's share of the eligible cost
POSITIVE_AMOUNT = Number(1, MAX_CNY)
SITES = Number(
    1, 1000
)  # plants or workshops, members of a pool  # an id typed or sent in a form field
SUMMARY = Text(1000)

# Milestones of a quote and of an engagement (app.services.milestones)
MILESTONE_NAME = Text(200)
MILESTONE_SHARE = Number(1, 100)  # whole per cent of the quote's price; a plan's add up to 100
MILESTONE_DUE_WEEK = Number(1, 260)  # weeks after the award; five years: later is a typo
ACCEPTANCE_CRITERIA = Text(2000)  # how the SME will judge the milestone delivered
DELIVERY_NOTE = Text(2000)  # what the vendor delivered and where the SME finds it

# Measured outcomes (app.services.kpis): a KPI's value; a KPI in per cent stops at 100
KPI_VALUE = Measure(0, 1_000_000)


def parse_id(raw: object) -> int | None:
    """An id typed or sent in a form field (1 to 2^31-1, at most 10 ASCII digits), else None."""
    text = str(raw).strip() if raw is not None else ""
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(INT32_MAX)):
        return None
    value = int(text)
    return value if RECORD_ID.low <= value <= RECORD_ID.high else None


def coerce_id(raw: object) -> int:
    """``parse_id`` for WTForms ``coerce=``: a bad id is a field error (ValueError)."""
    value = parse_id(raw)
    if value is None:
        raise ValueError("not an id")
    return value


# A need's fields as every entry point checks them (pages, API, services).
NEED_RULES = {
    "title": TITLE,
    "description": LONG_TEXT,
    "employees": EMPLOYEES,
    "budget_max": BUDGET,
    "timeline_weeks": TIMELINE_WEEKS,
}
