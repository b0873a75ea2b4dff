"""Request and response schemas of the JSON API: one source for validation and for OpenAPI.

Request models are strict (JSON types only, no unknown fields) and check shapes, sizes and
the taxonomy codes of ``../shared/data-formats.md``; the business rules (who may, which
state, cross-field checks) stay in the services, which answer with the same 422/409 problems.
Response models describe exactly what the endpoints return.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    PlainSerializer,
    WithJsonSchema,
    create_model,
)

from app.models import fields as rules
from app.models.fields import INT32_MAX
from app.models.milestones import MAX_MILESTONES
from matching import taxonomy
from plugins.uscc import LENGTH as USCC_LENGTH

Id = Annotated[int, Field(ge=1, le=INT32_MAX)]

Capability = Literal[tuple(taxonomy.CAPABILITIES)]  # type: ignore[valid-type]
Industry = Literal[tuple(taxonomy.INDUSTRIES)]  # type: ignore[valid-type]
IndustryOrAny = Literal[(taxonomy.ANY, *taxonomy.INDUSTRIES)]  # type: ignore[valid-type]
Region = Literal[tuple(taxonomy.REGIONS)]  # type: ignore[valid-type]
RegionOrAny = Literal[(taxonomy.ANY, *taxonomy.REGIONS)]  # type: ignore[valid-type]
CompanySize = Literal[tuple(taxonomy.COMPANY_SIZES)]  # type: ignore[valid-type]
PriceModel = Literal[tuple(taxonomy.PRICE_MODELS)]  # type: ignore[valid-type]
Deployment = Literal[tuple(taxonomy.DEPLOYMENTS)]  # type: ignore[valid-type]
Lang = Literal["zh", "en"]
Maturity = Annotated[int, Field(ge=1, le=4)]
Amount = rules.AMOUNT.api()
NonEmpty = Field(min_length=1)
# Texts and numbers checked by the rules of app.models.fields: the pages give the same messages.
Title = Annotated[rules.TITLE.api(), NonEmpty]
LongText = Annotated[rules.LONG_TEXT.api(), NonEmpty]
Message = Annotated[rules.MESSAGE.api(), NonEmpty]
Reason = Annotated[rules.REASON.api(), NonEmpty]
Employees = rules.EMPLOYEES.api()
Budget = rules.BUDGET.api()
TimelineWeeks = rules.TIMELINE_WEEKS.api()
DeliveryWeeks = rules.DELIVERY_WEEKS.api()


def _utc(value: datetime) -> str:
    return value.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z")


# Stored naive in UTC; sent as RFC 3339 with "Z".
UtcDateTime = Annotated[
    datetime,
    PlainSerializer(_utc, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}, mode="serialization"),
]


class In(BaseModel):
    """A request body: JSON types only, unknown fields refused."""

    model_config = ConfigDict(strict=True, extra="forbid", str_strip_whitespace=True)


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- problems -------------------------------------------------------------------------------


class Problem(BaseModel):
    """An RFC 9457 problem: every error answer of the API."""

    type: str = Field(description="A stable URI naming the kind of problem.")
    title: str
    status: int
    detail: str
    errors: dict[str, list[str]] = Field(
        description='Field name (nested ones joined by ".") to messages; empty unless the '
        "input was invalid."
    )


# --- accounts and tokens ----------------------------------------------------------------------


class OrganisationIn(In):
    name: Annotated[rules.ORG_NAME.api(), NonEmpty]
    industry: Industry | None = None
    region: Region | None = None
    company_size: CompanySize | None = None
    employees: Employees | None = None
    maturity_level: Maturity | None = None
    description: rules.MESSAGE.api() | None = None
    website: rules.WEBSITE.api() | None = Field(None, description="An http:// or https:// address.")
    contact_email: EmailStr | None = Field(None, max_length=254)
    uscc: str | None = Field(
        None,
        min_length=USCC_LENGTH,
        max_length=USCC_LENGTH,
        description="Vendors: the unified social credit code; giving it asks the admins "
        "for verification (needed to list plug-ins).",
    )


class AccountIn(In):
    email: EmailStr = Field(max_length=254)
    password: str = Field(min_length=10, max_length=200)
    name: Annotated[rules.PERSON_NAME.api(), NonEmpty] | None = Field(
        None, description="Your own name."
    )
    role: Literal["sme", "vendor"]
    locale: Lang | None = None
    organisation: OrganisationIn


class OrganisationOut(Out):
    id: int
    kind: Literal["sme", "vendor", "platform"]
    name: str
    industry: str | None
    region: str | None
    company_size: str | None
    employees: int | None
    maturity_level: int | None
    verification: Literal["unverified", "pending", "verified", "suspended", "rejected"]
    verification_reason: str | None = None


class AccountOut(Out):
    id: int
    email: str
    name: str
    role: Literal["sme", "vendor", "admin"]
    status: Literal["active", "suspended"]
    locale: str | None
    email_verified: bool = Field(
        description="Whether the owner followed the link mailed to the address; needed to "
        "send requests for quotes and to quote."
    )
    organisation: OrganisationOut | None


class TokenIn(In):
    email: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=200)
    name: str | None = Field(None, max_length=100, description="A label for the token list.")


class TokenOut(Out):
    token: str = Field(description="The secret: shown this once, send it as a bearer token.")
    token_type: Literal["Bearer"] = "Bearer"
    id: int
    prefix: str
    expires_at: UtcDateTime


# --- plug-ins -------------------------------------------------------------------------------


class PluginIn(In):
    """A listing from manifest fields (plugin.toml's keys); declarative only."""

    id: str = Field(
        pattern=r"^[a-z0-9][a-z0-9._-]{0,79}$", description="The slug: unique, lower case."
    )
    name: Title
    version: str = Field(
        min_length=1, max_length=40, description='A semantic version, e.g. "1.0.0".'
    )
    summary: Annotated[rules.SUMMARY.api(), NonEmpty]
    description: rules.LONG_TEXT.api() | None = None
    lang: Lang | None = None
    capabilities: list[Capability] = Field(min_length=1, max_length=30)
    industries: list[IndustryOrAny] = Field(default_factory=list, max_length=120)
    regions: list[RegionOrAny] = Field(default_factory=list, max_length=40)
    company_sizes: list[CompanySize] = Field(default_factory=list, max_length=3)
    price_min: Amount | None = None
    price_max: Amount | None = None
    price_model: PriceModel | None = None
    deployment: list[Deployment] = Field(default_factory=list, max_length=3)
    delivery_weeks: DeliveryWeeks | None = None
    maturity_levels: list[Maturity] = Field(default_factory=list, max_length=4)
    hooks: str | None = Field(
        None,
        max_length=200,
        description="Refused: listings made through the API never run vendor code.",
    )


class VendorOut(Out):
    id: int
    name: str
    verification: Literal["unverified", "pending", "verified", "suspended", "rejected"]
    verification_reason: str | None = None


class RatingOut(Out):
    mean: float
    count: int
    bayesian: float = Field(description="The Bayesian average that ranking uses.")


class PluginOut(Out):
    slug: str
    name: str
    status: Literal["draft", "pending_review", "published", "suspended", "rejected", "retired"]
    vendor: VendorOut
    version: str
    summary: str | None
    description: str | None
    lang: str | None
    capabilities: list[str]
    industries: list[str]
    regions: list[str]
    company_sizes: list[str]
    price_min: int | None
    price_max: int | None
    price_model: str | None
    deployment: list[str]
    delivery_weeks: int | None
    maturity_levels: list[int]
    rejection_reason: str | None
    published_at: UtcDateTime | None
    rating: RatingOut | None = Field(description="From verified reviews only; null before any.")


class PluginRef(Out):
    slug: str
    name: str
    vendor: VendorOut


class PluginQuery(In):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    q: str | None = Field(None, max_length=200, description="Full-text search, Chinese or English.")
    capability: list[str] = Field(default_factory=list, max_length=30)
    industry: list[str] = Field(default_factory=list, max_length=30)
    region: list[str] = Field(default_factory=list, max_length=40)


# --- needs and matches ----------------------------------------------------------------------


class NeedFields(In):
    title: Title
    description: LongText
    lang: Lang | None = None
    industry: Industry | None = None
    region: Region | None = None
    company_size: CompanySize | None = None
    employees: Employees | None = None
    budget_max: Budget | None = Field(None, description="First-year budget in CNY.")
    timeline_weeks: TimelineWeeks | None = None
    capabilities: list[Capability] = Field(default_factory=list, max_length=30)
    maturity_level: Maturity | None = None


class NeedIn(NeedFields):
    """A new need, posted at once (open) and matched."""


class NeedPatch(In):
    """Fields to change; a field sent as null is cleared."""

    title: Title | None = None
    description: LongText | None = None
    lang: Lang | None = None
    industry: Industry | None = None
    region: Region | None = None
    company_size: CompanySize | None = None
    employees: Employees | None = None
    budget_max: Budget | None = None
    timeline_weeks: TimelineWeeks | None = None
    capabilities: list[Capability] | None = Field(None, max_length=30)
    maturity_level: Maturity | None = None


class NeedOut(Out):
    id: int
    status: Literal["draft", "open", "awarded", "closed", "cancelled"]
    organisation_id: int
    title: str
    description: str
    lang: str | None
    industry: str | None
    region: str | None
    company_size: str | None
    employees: int | None
    budget_max: int | None
    timeline_weeks: int | None
    capabilities: list[str]
    maturity_level: int | None
    cancel_reason: str | None
    created_at: UtcDateTime
    updated_at: UtcDateTime
    matched_at: UtcDateTime | None


class NeedQuery(In):
    model_config = ConfigDict(extra="ignore")

    status: Literal["draft", "open", "awarded", "closed", "cancelled"] | None = None


class ReasonIn(In):
    reason: Reason


class OptionalReasonIn(In):
    reason: rules.REASON.api() | None = None


class EstimateOut(Out):
    """The plug-in's instant, indicative first-year cost for the need (not a quote)."""

    price_min: int
    price_max: int
    delivery_weeks: int | None
    assumptions: list[str]


class EligibilityOut(Out):
    """The plug-in's own verdict on whether it can serve the need."""

    eligible: bool
    reason: str


class MatchOut(Out):
    id: int
    need_id: int
    plugin: PluginRef
    score: float
    rank: int
    components: dict[str, float] = Field(description="Score components, each in [0, 1].")
    explanation: str
    status: Literal["shown", "pinned", "hidden"]
    moderation_reason: str | None
    estimate: EstimateOut | None = Field(
        description="The plug-in's instant estimate, asked when the match was computed."
    )
    eligibility: EligibilityOut | None = Field(
        description="The plug-in's eligibility verdict, asked when the match was computed."
    )


# --- requests for quotes, quotes, engagements ------------------------------------------------


class RfqIn(In):
    plugin: str = Field(min_length=1, max_length=80, description="The plug-in's slug.")
    message: Message


class PlannedMilestone(BaseModel):
    """A milestone proposed with a quote: it becomes part of the engagement's plan."""

    model_config = ConfigDict(strict=True, extra="forbid", str_strip_whitespace=True)

    name: Annotated[rules.MILESTONE_NAME.api(), NonEmpty]
    share_pct: rules.MILESTONE_SHARE.api() = Field(
        description="Share of the quote's price in whole per cent; a plan's add up to 100."
    )
    due_week: rules.MILESTONE_DUE_WEEK.api() = Field(description="Weeks after the award.")
    criteria: Annotated[rules.ACCEPTANCE_CRITERIA.api(), NonEmpty] = Field(
        description="How the enterprise will judge it delivered."
    )


class PlannedMilestoneOut(Out):
    position: int
    name: str
    share_pct: int
    due_week: int
    criteria: str


class QuoteIn(In):
    licence: Amount = 0
    implementation: Amount = 0
    training: Amount = 0
    annual_fees: Amount = 0
    delivery_weeks: DeliveryWeeks
    scope: Message
    valid_until: date
    milestones: list[PlannedMilestone] = Field(
        default_factory=list,
        max_length=MAX_MILESTONES,
        description="Optional staged deliveries, each accepted by the enterprise on its own; "
        "the last acceptance completes the engagement. None: one delivery, confirmed whole.",
    )


class QuoteOut(Out):
    id: int
    rfq_id: int
    need_id: int
    vendor: VendorOut
    status: Literal["submitted", "accepted", "rejected", "withdrawn", "expired"]
    revision: int
    licence: int
    implementation: int
    training: int
    annual_fees: int
    first_year_total: int
    delivery_weeks: int
    scope: str
    valid_until: date
    created_at: UtcDateTime
    milestones: list[PlannedMilestoneOut]


class RfqOut(Out):
    id: int
    need_id: int
    need_title: str
    plugin: PluginRef
    message: str
    status: Literal["sent", "quoted", "declined", "expired", "awarded", "lost"]
    decline_reason: str | None
    quote: QuoteOut | None = Field(description="The live quote (submitted or accepted).")
    created_at: UtcDateTime


class RfqQuery(In):
    model_config = ConfigDict(extra="ignore")

    status: Literal["sent", "quoted", "declined", "expired", "awarded", "lost"] | None = None


class EngagementOut(Out):
    id: int
    need_id: int
    quote_id: int
    plugin: str = Field(description="The plug-in's slug.")
    sme_id: int
    vendor_id: int
    status: Literal["active", "completed"]
    completed_at: UtcDateTime | None
    created_at: UtcDateTime


class AcceptOut(Out):
    engagement: EngagementOut


# --- reviews --------------------------------------------------------------------------------

Stars = Annotated[int, Field(ge=1, le=5)]


class ReviewIn(In):
    rating: Stars
    quality: Stars
    cost: Stars
    timeliness: Stars
    support: Stars
    text: rules.MESSAGE.api() = ""
    show_reviewer_name: bool = Field(
        False, description="Show the reviewing company's name; otherwise only its context"
    )


class OutcomeOut(Out):
    kpi: str = Field(description="A KPI code of the engagement's list.")
    name: str = Field(description="The KPI's name in the request's language.")
    unit: str
    higher_is_better: bool
    baseline: float
    baseline_at: UtcDateTime
    after: float | None
    after_at: UtcDateTime | None
    change: str | None = Field(description='The measured change, e.g. "+13 points".')
    improved: bool | None
    baseline_before_work: bool = Field(
        description="The baseline was recorded before the first delivery (or the completion)."
    )


class ReviewOut(Out):
    id: int
    engagement_id: int
    plugin: str
    vendor_id: int
    rating: int
    quality: int
    cost: int
    timeliness: int
    support: int
    text: str
    show_reviewer_name: bool
    status: Literal["published", "flagged", "removed"]
    moderation_reason: str | None
    vendor_reply: str | None
    replied_at: UtcDateTime | None
    created_at: UtcDateTime
    outcomes: list[OutcomeOut] = Field(
        default_factory=list, description="The engagement's measured outcomes (both values)."
    )


class ReplyIn(In):
    text: Message


class FlagIn(In):
    reason: Reason


class FlagOut(Out):
    id: int
    review_id: int
    reason: str
    created_at: UtcDateTime


# --- public programmes: self-assessment, subsidies ------------------------------------------

PricePart = Literal["licence", "implementation", "training", "annual_fees"]
DimensionCode = Literal["foundation", "operations", "management", "outcomes"]


class LangQuery(In):
    model_config = ConfigDict(extra="ignore")

    lang: Lang | None = Field(None, description="Language of the texts; default: Accept-Language.")


class OptionOut(Out):
    index: int = Field(description="Send this number as the answer.")
    label: str
    share: float = Field(description="Part of the item's points this answer earns.")


class QuestionOut(Out):
    id: str
    dimension: DimensionCode
    points: float
    name: str
    question: str
    capabilities: list[str]
    options: list[OptionOut]


class DimensionOut(Out):
    code: DimensionCode
    name: str
    weight: int


class QuestionnaireOut(Out):
    edition: str
    table: str
    title: str
    dimensions: list[DimensionOut]
    items: list[QuestionOut]


class AssessmentIn(In):
    answers: dict[Annotated[str, Field(max_length=40)], int] = Field(
        max_length=100, description="Question id → the index of the chosen option."
    )
    edition: str | None = Field(
        None, max_length=60, description="Default: the current edition for your industry."
    )
    lang: Lang | None = Field(None, description="Language of the proposed needs.")


class DimensionScoreOut(Out):
    code: DimensionCode
    name: str
    points: float
    weight: int
    previous: float | None = Field(description="The score in the assessment before, if any.")


class WeakItemOut(Out):
    id: str
    name: str
    points: float
    max_points: float


class ProposalOut(Out):
    id: int
    item_id: str
    title: str
    description: str
    lang: str
    capabilities: list[str]
    status: Literal["proposed", "accepted", "dismissed"]
    need_id: int | None


class AssessmentOut(Out):
    id: int
    organisation_id: int
    edition: str
    total: float
    level: int = Field(ge=0, le=4, description="0: under 20 points, below level 1.")
    dimensions: list[DimensionScoreOut]
    weakest: list[WeakItemOut]
    proposals: list[ProposalOut]
    previous_id: int | None
    previous_total: float | None
    created_at: UtcDateTime


class AcceptProposalIn(In):
    budget_max: Amount | None = Field(None, description="First-year budget in CNY.")


class ProgrammeIn(In):
    name_zh: str = Field(min_length=1, max_length=200)
    name_en: str = Field(min_length=1, max_length=200)
    sponsor: str = Field("", max_length=200)
    description: str = Field("", max_length=5000)
    regions: list[Region] = Field(default_factory=list, max_length=40, description="Empty: any.")
    industries: list[Industry] = Field(default_factory=list, max_length=120)
    company_sizes: list[CompanySize] = Field(default_factory=list, max_length=3)
    capabilities: list[Capability] = Field(
        default_factory=list, max_length=30, description="Solution kinds funded; empty: any."
    )
    eligible_parts: list[PricePart] = Field(
        default_factory=list, max_length=4, description="Price parts counted; empty: all."
    )
    share_percent: int = Field(ge=1, le=100)
    cap_per_sme: int = Field(ge=1, le=1_000_000_000)
    budget_total: int = Field(ge=1, le=1_000_000_000)
    starts_on: date
    ends_on: date
    require_verified_vendor: bool = True
    require_listed_solution: bool = True
    min_maturity_after: Maturity | None = None


class ProgrammeOut(Out):
    id: int
    name_zh: str
    name_en: str
    sponsor: str
    description: str
    regions: list[str]
    industries: list[str]
    company_sizes: list[str]
    capabilities: list[str]
    eligible_parts: list[str]
    share_percent: int
    cap_per_sme: int
    budget_total: int
    committed: int
    remaining: int
    starts_on: date
    ends_on: date
    require_verified_vendor: bool
    require_listed_solution: bool
    min_maturity_after: int | None


class NeedProgrammeOut(Out):
    programme: ProgrammeOut
    qualifies: bool
    problems: list[str] = Field(description="Why the need may not qualify; empty if it may.")
    chosen: bool


class SubsidyChoiceIn(In):
    programme_id: Id
    budget_after_subsidy: bool = Field(
        False, description="Matching judges budget fit by the price after subsidy."
    )


class SubsidyChoiceOut(Out):
    need_id: int
    programme_id: int
    budget_after_subsidy: bool
    effective_budget: int | None = Field(description="The budget matching now judges against.")


class QuoteSubsidyOut(Out):
    quote_id: int
    programme_id: int
    full_price: int
    eligible_cost: int
    subsidy: int
    price_after_subsidy: int
    eligible: bool
    problems: list[str]
    limited_by: Literal["cap", "budget"] | None


# --- pooled requests ---------------------------------------------------------------------------


class PoolMemberIn(In):
    company_size: CompanySize | None = Field(None, description="Default: your organisation's.")
    sites: int = Field(1, ge=1, le=1000, description="Plants or workshops the solution is for.")


class PoolIn(PoolMemberIn):
    """A group need of your industry and province; you are its first member."""

    title: Title
    description: LongText
    lang: Lang | None = None
    budget_max: Budget | None = Field(None, description="First-year budget per member, CNY.")
    timeline_weeks: TimelineWeeks | None = None
    capabilities: list[Capability] = Field(default_factory=list, max_length=30)


class PoolMemberOut(Out):
    id: int
    organisation: str | None = Field(description="Shown to the organiser and the member itself.")
    company_size: str | None
    sites: int
    status: Literal["joined", "agreed", "awarded", "left"]
    need_id: int | None = Field(description="The member's own need, once awarded.")
    price: int | None


class PoolOut(Out):
    id: int
    status: Literal["joining", "open", "awarded"]
    need: NeedOut = Field(description="The group's request: matched and quoted as one need.")
    organiser: str
    members: list[PoolMemberOut]
    sites: int
    created_at: UtcDateTime


class PoolQuery(In):
    model_config = ConfigDict(extra="ignore")

    scope: Literal["mine", "joinable"] = "mine"


class TierIn(In):
    min_members: int = Field(ge=2, le=10_000)
    price: int = Field(ge=1, le=1_000_000_000, description="First-year total per member, CNY.")


class TiersIn(In):
    tiers: list[TierIn] = Field(max_length=5)


class TierOut(Out):
    min_members: int
    price: int


class TiersOut(Out):
    quote_id: int
    tiers: list[TierOut]


class PoolQuoteOut(Out):
    quote: QuoteOut
    tiers: list[TierOut]
    members: int
    price_per_member: int = Field(description="What each member pays at this member count.")


class PoolAwardOut(Out):
    engagements: list[EngagementOut]


# --- admin ----------------------------------------------------------------------------------


class AuditQuery(In):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    actor: str | None = Field(None, max_length=254, description="Part of the actor's e-mail.")
    action: str | None = Field(None, max_length=60, description='e.g. "listing.approved".')
    subject: str | None = Field(
        None,
        max_length=60,
        pattern=r"^[A-Za-z]+(:[0-9]{1,9})?$",
        description='A subject type, optionally with an id: "Need" or "Need:12".',
    )


class ActorOut(Out):
    id: int
    email: str


class AuditOut(Out):
    id: int
    actor: ActorOut | None
    action: str
    subject_type: str
    subject_id: int | None
    reason: str | None
    data: dict[str, Any]
    created_at: UtcDateTime


# --- notifications ------------------------------------------------------------------------


class NotificationOut(Out):
    id: int
    kind: str = Field(description='What happened, e.g. "quote.received".')
    text: str = Field(description="The notification in the reader's language.")
    link: str | None = Field(description="The page it is about (a path on the portal).")
    params: dict[str, Any]
    created_at: UtcDateTime
    read_at: UtcDateTime | None


class NotificationQuery(In):
    model_config = ConfigDict(extra="ignore")

    unread: bool = Field(False, description="Only notifications not read yet.")


class UnreadCountOut(Out):
    unread: int


class MarkedReadOut(Out):
    marked: int = Field(description="How many notifications were marked read now.")


# --- conversations ---------------------------------------------------------------------------


class AttachmentOut(Out):
    id: int
    filename: str
    content_type: str
    size: int
    url: str = Field(description="Download with your API token (the parties and admins only).")
    thumbnail_url: str | None


class MessageIn(In):
    body: str = Field(min_length=1, max_length=5000)


class MessageOut(Out):
    id: int
    rfq_id: int
    side: Literal["sme", "vendor"] = Field(description="Which party wrote it.")
    author: str | None = Field(description="The author's name.")
    body: str
    attachments: list[AttachmentOut]
    created_at: UtcDateTime


class ThreadReportIn(In):
    reason: str = Field(min_length=1, max_length=2000)


class ThreadReportOut(Out):
    id: int
    rfq_id: int
    reason: str
    created_at: UtcDateTime


# --- pagination -----------------------------------------------------------------------------


class PageQuery(In):
    model_config = ConfigDict(extra="ignore")

    page: int = Field(1, ge=1, le=100_000)
    per_page: int = Field(20, ge=1, le=100)


def page_of(item: type[BaseModel]) -> type[BaseModel]:
    """``{"items": [...], "page", "per_page", "total"}`` of ``item``."""
    return create_model(
        f"{item.__name__.removesuffix('Out')}Page",
        __base__=Out,
        items=(list[item], ...),
        page=(int, ...),
        per_page=(int, ...),
        total=(int, ...),
    )
