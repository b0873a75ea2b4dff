"""What a subsidy programme does for a need and a quote: who may qualify, the price after
subsidy of a quote, the budget the matcher may count on, and the amount a programme commits
when a quote is awarded. The programmes themselves (rules, running or not) are
:mod:`app.services.programme_admin`; a minimum maturity level is reported in the application
pack and checked by the programme office afterwards.

Lock order: the need (engagements.award), then the programme row. Nothing here commits.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from app.errors import DomainError, NotFound
from app.extensions import db
from app.models import (
    PRICE_PARTS,
    Engagement,
    ListingStatus,
    Need,
    NeedStatus,
    Programme,
    ProgrammeCommitment,
    Quote,
    Role,
    SubsidyChoice,
    User,
    Verification,
)
from app.services import audit
from app.services import needs as needs_service
from app.services.notify import members, notify_all
from app.services.programme_admin import active_programmes, running
from matching.types import Need as NeedRecord

CHOOSABLE = (NeedStatus.DRAFT, NeedStatus.OPEN)


# --- who may qualify ----------------------------------------------------------------------


def need_problems(need: Need, programme: Programme, today: date | None = None) -> list[str]:
    """Why the need's enterprise does not qualify; empty when it may."""
    org = need.organisation
    problems = []
    if not running(programme, today):
        problems.append(_("The programme is not running today."))
    if programme.remaining <= 0:
        problems.append(_("The programme's budget is used up."))
    region = need.region or org.region
    if programme.regions and region not in programme.regions:
        problems.append(_("Your province is not covered."))
    industry = need.industry or org.industry
    if programme.industries and industry not in programme.industries:
        problems.append(_("Your industry is not covered."))
    size = need.company_size or org.company_size
    if programme.company_sizes and size not in programme.company_sizes:
        problems.append(_("Your company size is not covered."))
    if (
        programme.capabilities
        and need.capabilities
        and not set(need.capabilities) & set(programme.capabilities)
    ):
        problems.append(_("The kinds of solution you ask for are not funded."))
    return problems


def programmes_for_need(need: Need) -> list[tuple[Programme, list[str]]]:
    """Every running programme with the reasons the need would not qualify (empty: may)."""
    return [(p, need_problems(need, p)) for p in active_programmes()]


def choice_for(need: Need) -> SubsidyChoice | None:
    return db.session.scalar(sa.select(SubsidyChoice).where(SubsidyChoice.need_id == need.id))


def choose_programme(
    user: User, need: Need, programme: Programme, *, budget_after_subsidy: bool = False
) -> SubsidyChoice:
    """The SME means to apply to ``programme`` for ``need`` (one programme per need)."""
    _own(user, need)
    if need.status not in CHOOSABLE:
        raise DomainError(_("A programme can only be chosen for a draft or open need."))
    problems = need_problems(need, programme)
    if problems:
        raise DomainError(" ".join(problems))
    choice = choice_for(need)
    if choice is None:
        choice = SubsidyChoice(need_id=need.id, programme_id=programme.id)
        db.session.add(choice)
    before = (choice.programme_id, choice.budget_after_subsidy)
    choice.programme_id = programme.id
    choice.programme = programme
    choice.budget_after_subsidy = bool(budget_after_subsidy)
    choice.chosen_by_id = user.id
    db.session.flush()
    audit.record(
        user,
        "programme.chosen",
        need,
        programme_id=programme.id,
        budget_after_subsidy=choice.budget_after_subsidy,
    )
    changed = before != (programme.id, choice.budget_after_subsidy)
    if need.status == NeedStatus.OPEN and changed and (before[1] or choice.budget_after_subsidy):
        _rematch(need)  # budget fit changes only when the subsidy counts, before or now
    return choice


def drop_programme(user: User, need: Need) -> None:
    _own(user, need)
    choice = choice_for(need)
    if choice is None:
        raise DomainError(_("No programme is chosen for this need."))
    if need.status not in CHOOSABLE:
        raise DomainError(_("A programme can only be changed for a draft or open need."))
    rematch = choice.budget_after_subsidy
    audit.record(user, "programme.dropped", need, programme_id=choice.programme_id)
    db.session.delete(choice)
    db.session.flush()
    if rematch and need.status == NeedStatus.OPEN:
        _rematch(need)


def _rematch(need: Need) -> None:
    # here, not at the top: app.services.matching imports this module
    from app.services import matching

    matching.refresh_matches(need)


# --- the price after subsidy ------------------------------------------------------------


@dataclass(frozen=True)
class Subsidy:
    """A quote's price under one programme, with the rule that produced it."""

    programme: Programme
    full_price: int
    eligible_cost: int
    amount: int
    problems: list[str]
    limited_by: str | None  # "cap", "budget" or None

    @property
    def net(self) -> int:
        return self.full_price - self.amount

    @property
    def eligible(self) -> bool:
        return not self.problems


def committed_for(programme: Programme, org_id: int) -> int:
    return int(
        db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(ProgrammeCommitment.amount), 0)).where(
                ProgrammeCommitment.programme_id == programme.id,
                ProgrammeCommitment.organisation_id == org_id,
            )
        )
    )


def quote_problems(quote: Quote, programme: Programme) -> list[str]:
    """Why the quoted solution is not funded by the programme; empty when it is."""
    problems = []
    listing = quote.rfq.listing
    if programme.require_verified_vendor and quote.vendor.verification != Verification.VERIFIED:
        problems.append(_("The vendor is not verified."))
    if programme.require_listed_solution and listing.status != ListingStatus.PUBLISHED:
        problems.append(_("The solution is not listed in the catalogue."))
    if programme.capabilities and not set(listing.capabilities or []) & set(programme.capabilities):
        problems.append(_("The solution's kind is not funded by this programme."))
    return problems


def subsidy_for(quote: Quote, programme: Programme, today: date | None = None) -> Subsidy:
    """What ``programme`` would pay towards ``quote``: share × eligible cost, within the cap
    left for the SME and the budget left in the programme."""
    need = quote.need
    problems = need_problems(need, programme, today) + quote_problems(quote, programme)
    eligible_cost = sum(getattr(quote, part) for part in programme.eligible_parts or PRICE_PARTS)
    raw = eligible_cost * programme.share_percent // 100
    cap_left = max(programme.cap_per_sme - committed_for(programme, need.organisation_id), 0)
    budget_left = max(programme.remaining, 0)
    amount = min(raw, cap_left, budget_left)
    limited_by = None
    if amount < raw:
        limited_by = "budget" if budget_left < cap_left else "cap"
    return Subsidy(
        programme=programme,
        full_price=quote.first_year_total,
        eligible_cost=eligible_cost,
        amount=0 if problems else amount,
        problems=problems,
        limited_by=limited_by,
    )


def subsidies_for_quotes(quotes: list[Quote]) -> dict[int, Subsidy]:
    """Each quote's price under its need's chosen programme, or else the best running one."""
    found: dict[int, Subsidy] = {}
    for quote in quotes:
        choice = choice_for(quote.need)
        candidates = [choice.programme] if choice else active_programmes()
        options = [subsidy_for(quote, p) for p in candidates]
        best = max(options, key=lambda s: (s.eligible, s.amount), default=None)
        if best is not None:
            found[quote.id] = best
    return found


# --- the budget the matcher may count on ------------------------------------------------


def gross_budget(budget: int, programme: Programme, subsidy_left: int) -> int:
    """The highest first-year price whose price after subsidy still fits ``budget``.

    With share s and at most ``subsidy_left`` paid, the SME pays P·(1-s) while the subsidy
    is under the limit and P - limit past it.
    """
    share = programme.share_percent / 100
    if subsidy_left <= 0:
        return budget
    if share >= 1:
        return budget + subsidy_left
    uncapped = budget / (1 - share)
    return int(uncapped if uncapped * share <= subsidy_left else budget + subsidy_left)


def effective_budget(need: Need) -> int | None:
    """The budget matching judges fit against: the SME's, or (if it chose so) the gross
    price a chosen programme's subsidy makes affordable."""
    return budget_with(need, choice_for(need))


def budget_with(need: Need, choice: SubsidyChoice | None) -> int | None:
    """:func:`effective_budget` for a page that has read the need's choice already."""
    if need.budget_max is None:
        return None
    if choice is None or not choice.budget_after_subsidy:
        return need.budget_max
    programme = choice.programme
    if need_problems(need, programme):
        return need.budget_max
    left = min(
        programme.cap_per_sme - committed_for(programme, need.organisation_id),
        programme.remaining,
    )
    return gross_budget(need.budget_max, programme, left)


def record_for_matching(need: Need) -> NeedRecord:
    """The need as the matcher sees it, with the effective budget (matching/ is unchanged)."""
    record = need.to_record()
    budget = effective_budget(need)
    if budget == record.budget_max:
        return record
    return dataclasses.replace(record, budget_max=budget)


# --- commitments on award -----------------------------------------------------------------


def commit_on_award(user: User, engagement: Engagement) -> ProgrammeCommitment | None:
    """Reserve the subsidy of the need's chosen programme for this award.

    Runs inside the award's transaction, after the need was locked: the programme row is
    locked next and its remaining budget read again under the lock, so concurrent awards
    never commit more than the budget (the CHECK constraint is the last line of defence).
    """
    need = engagement.need
    choice = choice_for(need)
    if choice is None:
        return None
    programme = db.session.scalar(
        sa.select(Programme)
        .where(Programme.id == choice.programme_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    subsidy = subsidy_for(engagement.quote, programme)
    if not subsidy.eligible or subsidy.amount <= 0:
        audit.record(
            user,
            "programme.not_committed",
            programme,
            need_id=need.id,
            engagement_id=engagement.id,
            problems=subsidy.problems or [_("Nothing left to commit.")],
        )
        notify_all(
            members(need.organisation_id),
            "programme.not_committed",
            link=f"/needs/{need.id}",
            need=need.title,
            name_zh=programme.name_zh,
            name_en=programme.name_en,
        )
        return None
    # here, not at the top: app.services.assessment imports app.services.needs, which
    # imports app.services.matching, which imports this module
    from app.services import assessment

    programme.committed += subsidy.amount
    commitment = ProgrammeCommitment(
        programme_id=programme.id,
        organisation_id=need.organisation_id,
        need_id=need.id,
        engagement_id=engagement.id,
        quote_id=engagement.quote_id,
        assessment_id=getattr(assessment.latest(need.organisation), "id", None),
        full_price=subsidy.full_price,
        eligible_cost=subsidy.eligible_cost,
        amount=subsidy.amount,
    )
    db.session.add(commitment)
    db.session.flush()
    audit.record(
        user,
        "programme.committed",
        programme,
        need_id=need.id,
        engagement_id=engagement.id,
        amount=subsidy.amount,
        remaining=programme.remaining,
    )
    notify_all(
        members(need.organisation_id),
        "programme.committed",
        link=f"/programmes/needs/{need.id}/application.csv",
        need=need.title,
        amount=f"{subsidy.amount:,}",
        name_zh=programme.name_zh,
        name_en=programme.name_en,
    )
    return commitment


def commitment_for(need: Need) -> ProgrammeCommitment | None:
    """The subsidy reserved for the need's award; none before an award (and no query)."""
    if not need.was_awarded:
        return None
    return db.session.scalar(
        sa.select(ProgrammeCommitment).where(ProgrammeCommitment.need_id == need.id)
    )


def commitments(programme: Programme) -> list[ProgrammeCommitment]:
    return list(
        db.session.scalars(
            sa.select(ProgrammeCommitment)
            .where(ProgrammeCommitment.programme_id == programme.id)
            .order_by(ProgrammeCommitment.id)
        )
    )


def get_commitment_for_viewer(user: User, need: Need) -> ProgrammeCommitment:
    """The commitment of an awarded need, for its SME or an admin."""
    if user.role != Role.ADMIN:
        _own(user, need)
    commitment = commitment_for(need)
    if commitment is None:
        raise NotFound(_("No programme committed a subsidy to this need."))
    return commitment


def _own(user: User, need: Need) -> None:
    org = needs_service.require_sme(user)
    if need.organisation_id != org.id:
        raise NotFound(_("No such need."))
