"""Model rows as the API's response schemas (:mod:`app.api.schemas`)."""

from __future__ import annotations

from flask import url_for

from app.api import schemas as s
from app.models import (
    Assessment,
    Attachment,
    AuditEvent,
    Engagement,
    Match,
    Message,
    Need,
    NeedProposal,
    Notification,
    Organisation,
    PluginListing,
    Programme,
    Quote,
    Review,
    ReviewFlag,
    Rfq,
    SubsidyChoice,
    User,
)
from app.notifications.messages import render
from app.services import assessment as assessments
from app.services import kpi_changes, milestone_plans, pools, quotes, subsidies
from app.services.ratings import Rating, vendor_ratings


def vendor(org: Organisation) -> s.VendorOut:
    return s.VendorOut(id=org.id, name=org.name, verification=str(org.verification))


def plugin_ref(listing: PluginListing) -> s.PluginRef:
    return s.PluginRef(slug=listing.slug, name=listing.name, vendor=vendor(listing.vendor))


def plugin(listing: PluginListing, rating: Rating | None = None, *, rated: bool = False):
    if not rated:
        rating = vendor_ratings([listing.vendor_id]).get(listing.vendor_id)
    return s.PluginOut(
        slug=listing.slug,
        name=listing.name,
        status=str(listing.status),
        vendor=vendor(listing.vendor),
        version=listing.version,
        **{
            name: getattr(listing, name)
            for name in (
                "summary",
                "description",
                "lang",
                "price_min",
                "price_max",
                "price_model",
                "delivery_weeks",
                "rejection_reason",
                "published_at",
            )
        },
        **{
            name: list(getattr(listing, name) or [])
            for name in (
                "capabilities",
                "industries",
                "regions",
                "company_sizes",
                "deployment",
                "maturity_levels",
            )
        },
        rating=s.RatingOut(mean=rating.mean, count=rating.count, bayesian=rating.bayesian)
        if rating
        else None,
    )


def organisation(org: Organisation) -> s.OrganisationOut:
    return s.OrganisationOut.model_validate(org)


def account(user: User) -> s.AccountOut:
    return s.AccountOut(
        id=user.id,
        email=user.email,
        name=user.name,
        role=str(user.role),
        status=str(user.status),
        locale=user.locale,
        email_verified=user.email_verified,
        organisation=organisation(user.organisation) if user.organisation else None,
    )


def need(row: Need) -> s.NeedOut:
    return s.NeedOut.model_validate(row)


def match(row: Match) -> s.MatchOut:
    hooks = row.hook_results or {}  # stored with the match: the API calls no plug-in code
    estimate, eligibility = hooks.get("estimate"), hooks.get("eligibility")
    return s.MatchOut(
        id=row.id,
        need_id=row.need_id,
        plugin=plugin_ref(row.listing),
        score=row.score,
        rank=row.rank,
        components=dict(row.components or {}),
        explanation=row.explanation or "",
        status=str(row.status),
        moderation_reason=row.moderation_reason,
        estimate=s.EstimateOut(**estimate) if estimate else None,
        eligibility=s.EligibilityOut(**eligibility) if eligibility else None,
    )


def quote(row: Quote) -> s.QuoteOut:
    return s.QuoteOut(
        id=row.id,
        rfq_id=row.rfq_id,
        need_id=row.need_id,
        vendor=vendor(row.vendor),
        status=str(row.status),
        revision=row.revision,
        licence=row.licence,
        implementation=row.implementation,
        training=row.training,
        annual_fees=row.annual_fees,
        first_year_total=row.first_year_total,
        delivery_weeks=row.delivery_weeks,
        scope=row.scope,
        valid_until=row.valid_until,
        created_at=row.created_at,
        milestones=[
            s.PlannedMilestoneOut.model_validate(m) for m in milestone_plans.quote_plan(row)
        ],
    )


def rfq(row: Rfq) -> s.RfqOut:
    live = quotes.live_quote(row)
    return s.RfqOut(
        id=row.id,
        need_id=row.need_id,
        need_title=row.need.title,
        plugin=plugin_ref(row.listing),
        message=row.message,
        status=str(row.status),
        decline_reason=row.decline_reason,
        quote=quote(live) if live else None,
        created_at=row.created_at,
    )


def engagement(row: Engagement) -> s.EngagementOut:
    return s.EngagementOut(
        id=row.id,
        need_id=row.need_id,
        quote_id=row.quote_id,
        plugin=row.listing.slug,
        sme_id=row.sme_id,
        vendor_id=row.vendor_id,
        status=str(row.status),
        completed_at=row.completed_at,
        created_at=row.created_at,
    )


def review(row: Review) -> s.ReviewOut:
    return s.ReviewOut(
        id=row.id,
        engagement_id=row.engagement_id,
        plugin=row.listing.slug,
        vendor_id=row.vendor_id,
        rating=row.rating,
        quality=row.quality,
        cost=row.cost,
        timeliness=row.timeliness,
        support=row.support,
        text=row.text or "",
        show_reviewer_name=row.show_reviewer_name,
        status=str(row.status),
        moderation_reason=row.moderation_reason,
        vendor_reply=row.vendor_reply,
        replied_at=row.replied_at,
        created_at=row.created_at,
        outcomes=[
            outcome(c)
            for c in kpi_changes.measured_by_engagement([row.engagement_id]).get(
                row.engagement_id, []
            )
        ],
    )


def outcome(change: kpi_changes.Change) -> s.OutcomeOut:
    row, kpi = change.outcome, change.kpi
    return s.OutcomeOut(
        kpi=kpi.code,
        name=change.name,
        unit=kpi.unit_en,
        higher_is_better=kpi.higher_is_better,
        baseline=row.baseline,
        baseline_at=row.baseline_at,
        after=row.after,
        after_at=row.after_at,
        change=change.change,
        improved=change.improved,
        baseline_before_work=change.before_work,
    )


def flag(row: ReviewFlag) -> s.FlagOut:
    return s.FlagOut(
        id=row.id, review_id=row.review_id, reason=row.reason, created_at=row.created_at
    )


def audit_event(row: AuditEvent) -> s.AuditOut:
    return s.AuditOut(
        id=row.id,
        actor=s.ActorOut(id=row.actor.id, email=row.actor.email) if row.actor else None,
        action=row.action,
        subject_type=row.subject_type,
        subject_id=row.subject_id,
        reason=row.reason,
        data=dict(row.data or {}),
        created_at=row.created_at,
    )


# --- public programmes ------------------------------------------------------------------------


def questionnaire(edition, lang: str) -> s.QuestionnaireOut:
    return s.QuestionnaireOut(
        edition=edition.edition,
        table=edition.table,
        title=edition.title(lang),
        dimensions=[
            s.DimensionOut(code=d.code, name=d.name(lang), weight=d.weight)
            for d in edition.dimensions
        ],
        items=[
            s.QuestionOut(
                id=item.id,
                dimension=item.dimension,
                points=item.points,
                name=item.name(lang),
                question=item.question(lang),
                capabilities=list(item.capabilities),
                options=[
                    s.OptionOut(index=i, label=o.label(lang), share=o.share)
                    for i, o in enumerate(item.options)
                ],
            )
            for item in edition.items
        ],
    )


def proposal(row: NeedProposal) -> s.ProposalOut:
    return s.ProposalOut(
        id=row.id,
        item_id=row.item_id,
        title=row.title,
        description=row.description,
        lang=row.lang,
        capabilities=list(row.capabilities or []),
        status=str(row.status),
        need_id=row.need_id,
    )


def assessment(row: Assessment, lang: str) -> s.AssessmentOut:
    edition = assessments.edition_of(row)
    earlier = assessments.previous(row)
    return s.AssessmentOut(
        id=row.id,
        organisation_id=row.organisation_id,
        edition=row.edition,
        total=row.total,
        level=row.level,
        dimensions=[
            s.DimensionScoreOut(
                code=d.code,
                name=d.name(lang),
                points=row.dimension_scores[d.code],
                weight=d.weight,
                previous=earlier.dimension_scores.get(d.code) if earlier else None,
            )
            for d in edition.dimensions
        ],
        weakest=[
            s.WeakItemOut(
                id=w.item.id, name=w.item.name(lang), points=w.points, max_points=w.item.points
            )
            for w in assessments.weakest(row)
        ],
        proposals=[proposal(p) for p in row.proposals],
        previous_id=earlier.id if earlier else None,
        previous_total=earlier.total if earlier else None,
        created_at=row.created_at,
    )


def programme(row: Programme) -> s.ProgrammeOut:
    return s.ProgrammeOut(
        id=row.id,
        committed=row.committed,
        remaining=row.remaining,
        **{
            name: list(value) if isinstance(value, list) else value
            for name, value in row.fields().items()
        },
    )


def subsidy_choice(row: SubsidyChoice) -> s.SubsidyChoiceOut:
    return s.SubsidyChoiceOut(
        need_id=row.need_id,
        programme_id=row.programme_id,
        budget_after_subsidy=row.budget_after_subsidy,
        effective_budget=subsidies.effective_budget(row.need),
    )


def quote_subsidy(quote_id: int, subsidy) -> s.QuoteSubsidyOut:
    return s.QuoteSubsidyOut(
        quote_id=quote_id,
        programme_id=subsidy.programme.id,
        full_price=subsidy.full_price,
        eligible_cost=subsidy.eligible_cost,
        subsidy=subsidy.amount,
        price_after_subsidy=subsidy.net,
        eligible=subsidy.eligible,
        problems=list(subsidy.problems),
        limited_by=subsidy.limited_by,
    )


# --- pooled requests --------------------------------------------------------------------------


def pool_member(row, named: bool) -> s.PoolMemberOut:
    return s.PoolMemberOut(
        id=row.id,
        organisation=row.organisation.name if named else None,
        company_size=row.company_size,
        sites=row.sites,
        status=str(row.status),
        need_id=row.need_id if named else None,
        price=row.price if named else None,
    )


def pool(row, viewer: User) -> s.PoolOut:
    sees_names = viewer.role == "admin" or pools.is_organiser(viewer, row)
    active = row.active_members
    return s.PoolOut(
        id=row.id,
        status=str(row.status),
        need=need(row.lead_need),
        organiser=row.lead_need.organisation.name,
        members=[
            pool_member(m, sees_names or m.organisation_id == viewer.organisation_id)
            for m in active
        ],
        sites=sum(m.sites for m in active),
        created_at=row.created_at,
    )


def tier(row) -> s.TierOut:
    return s.TierOut(min_members=row.min_members, price=row.price)


def pool_price(row) -> s.PoolQuoteOut:
    return s.PoolQuoteOut(
        quote=quote(row.quote),
        tiers=[tier(t) for t in row.tiers],
        members=row.members,
        price_per_member=row.price,
    )


def notification(row: Notification) -> s.NotificationOut:
    return s.NotificationOut(
        id=row.id,
        kind=row.kind,
        text=render(row),
        link=row.link,
        params=row.params or {},
        created_at=row.created_at,
        read_at=row.read_at,
    )


def attachment(row: Attachment) -> s.AttachmentOut:
    return s.AttachmentOut(
        id=row.id,
        filename=row.filename,
        content_type=row.content_type,
        size=row.size,
        url=url_for("api.attachments_download", attachment_id=row.id, _external=True),
        thumbnail_url=url_for("attachments.thumbnail", attachment_id=row.id, _external=True)
        if row.thumbnail_key
        else None,
    )


def message(row: Message, files: list[Attachment] | None = None) -> s.MessageOut:
    return s.MessageOut(
        id=row.id,
        rfq_id=row.rfq_id,
        side=row.side,
        author=row.author.name if row.author else None,
        body=row.body,
        attachments=[attachment(f) for f in files or []],
        created_at=row.created_at,
    )
