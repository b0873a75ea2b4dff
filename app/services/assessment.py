"""Maturity self-assessment: score the answers with their edition, set the organisation's
level, propose needs from the gaps, and let the SME accept or dismiss each proposal.

Nothing here commits; each public function is one transaction's worth, checks who may act,
records an audit event, and never creates a need the SME did not accept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from app.errors import DomainError, InvalidInput, NotFound
from app.extensions import db
from app.models import (
    Assessment,
    Need,
    NeedProposal,
    NeedStatus,
    Organisation,
    ProposalStatus,
    Role,
    User,
)
from app.models.base import utcnow
from app.programmes.editions import DIMENSIONS, Edition, Item, current, level_for, load_editions
from app.services import audit, needs
from app.services.needs import require_sme

# Items that earn less than this share of their points are gaps worth a need.
GAP_SHARE = 0.7
MAX_PROPOSALS = 3
WEAKEST = 3


def editions() -> dict[str, Edition]:
    folder = current_app.config.get("ASSESSMENT_EDITIONS_DIR")
    return load_editions(Path(folder)) if folder else load_editions()


def current_edition(table: str = "manufacturing") -> Edition:
    edition = current(editions(), table)
    if edition is None:
        raise NotFound(_("There is no questionnaire for this kind of enterprise yet."))
    return edition


def edition_of(assessment: Assessment) -> Edition:
    """The edition an assessment was taken in (never today's, if that differs)."""
    try:
        return editions()[assessment.edition]
    except KeyError:
        raise NotFound(
            _("The questionnaire edition of this result is no longer installed.")
        ) from None


def table_for(org: Organisation) -> str:
    """Which table of the evaluation fits the organisation (GB/T 4754: C = manufacturing).

    Only the manufacturing table is written so far; the others fall back to it.
    """
    return "manufacturing"


# --- scoring --------------------------------------------------------------------------


@dataclass(frozen=True)
class Score:
    item_scores: dict[str, float]
    dimension_scores: dict[str, float]
    total: float
    level: int


def clean_answers(edition: Edition, answers: Mapping[str, Any]) -> dict[str, int]:
    """Item id → chosen option index; every item answered, nothing unknown."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, int] = {}
    for item in edition.items:
        raw = answers.get(item.id)
        try:
            if isinstance(raw, bool):
                raise ValueError
            index = int(raw)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            errors[item.id] = [_("Choose one answer.")]
            continue
        if not 0 <= index < len(item.options):
            errors[item.id] = [_("Choose one of the answers shown.")]
            continue
        clean[item.id] = index
    for key in answers:
        if key not in clean and key not in errors and key not in {i.id for i in edition.items}:
            errors[key] = [_("Not a question of this questionnaire.")]
    if errors:
        raise InvalidInput(_("Please answer every question."), errors)
    return clean


def score(edition: Edition, answers: Mapping[str, int]) -> Score:
    """Points per item (share of its points), per dimension, in total; and the level."""
    items = {i.id: round(i.points * i.options[answers[i.id]].share, 2) for i in edition.items}
    dims = {code: round(sum(items[i.id] for i in edition.items_of(code)), 2) for code in DIMENSIONS}
    total = round(sum(dims.values()), 2)
    return Score(items, dims, total, level_for(total))


@dataclass(frozen=True)
class Weak:
    item: Item
    points: float
    share: float


def weakest(assessment: Assessment, n: int = WEAKEST) -> list[Weak]:
    """The items that earned the smallest share of their points; heavier items first on ties."""
    edition = edition_of(assessment)
    rows = [
        Weak(item, assessment.item_scores[item.id], assessment.item_scores[item.id] / item.points)
        for item in edition.items
    ]
    rows.sort(key=lambda w: (w.share, -w.item.points))
    return rows[:n]


# --- taking an assessment ---------------------------------------------------------------


def submit(
    user: User, answers: Mapping[str, Any], *, lang: str, edition_id: str | None = None
) -> Assessment:
    """Score a completed questionnaire, set the organisation's maturity level, and propose
    needs for its biggest gaps (as proposals only)."""
    org = require_sme(user)
    edition = editions().get(edition_id) if edition_id else current_edition(table_for(org))
    if edition is None:
        raise InvalidInput(
            _("Please correct the marked fields."),
            {"edition": [_("No such questionnaire edition.")]},
        )
    chosen = clean_answers(edition, answers)
    result = score(edition, chosen)
    before = latest(org)
    assessment = Assessment(
        organisation_id=org.id,
        author_id=user.id,
        edition=edition.edition,
        lang="zh" if lang == "zh" else "en",
        answers=chosen,
        item_scores=result.item_scores,
        dimension_scores=result.dimension_scores,
        total=result.total,
        level=result.level,
    )
    db.session.add(assessment)
    db.session.flush()
    level_before = org.maturity_level
    # The marketplace knows levels 1-4; a firm under 20 points is served as level 1.
    org.maturity_level = max(result.level, 1)
    for proposal in _proposals(org, edition, assessment):
        db.session.add(proposal)
    audit.record(
        user,
        "assessment.submitted",
        assessment,
        edition=edition.edition,
        total=result.total,
        level=result.level,
        previous_id=before.id if before else None,
        organisation_level_before=level_before,
    )
    return assessment


def _proposals(org: Organisation, edition: Edition, assessment: Assessment) -> list[NeedProposal]:
    """Needs for the gaps that lose the most points, skipping what live needs already ask."""
    wanted = set()
    for caps in db.session.scalars(
        sa.select(Need.capabilities).where(
            Need.organisation_id == org.id,
            Need.status.in_([NeedStatus.DRAFT, NeedStatus.OPEN, NeedStatus.AWARDED]),
        )
    ):
        wanted.update(caps or [])
    gaps = [
        item
        for item in edition.items
        if item.capabilities
        and assessment.item_scores[item.id] < item.points * GAP_SHARE
        and not wanted.intersection(item.capabilities)
    ]
    gaps.sort(key=lambda i: (assessment.item_scores[i.id] - i.points, edition.items.index(i)))
    lang = assessment.lang
    proposals = []
    for item in gaps:
        if len(proposals) == MAX_PROPOSALS:
            break
        if wanted.intersection(item.capabilities):
            continue
        wanted.update(item.capabilities)
        proposals.append(
            NeedProposal(
                assessment=assessment,
                item_id=item.id,
                title=item.need_title(lang),
                description=item.need_text(lang),
                lang=lang,
                capabilities=list(item.capabilities),
            )
        )
    return proposals


# --- reading results --------------------------------------------------------------------


def latest(org: Organisation) -> Assessment | None:
    return db.session.scalar(
        sa.select(Assessment)
        .where(Assessment.organisation_id == org.id)
        .order_by(Assessment.created_at.desc(), Assessment.id.desc())
        .limit(1)
    )


def previous(assessment: Assessment) -> Assessment | None:
    """The organisation's assessment before this one, to show progress against."""
    return db.session.scalar(
        sa.select(Assessment)
        .where(
            Assessment.organisation_id == assessment.organisation_id,
            Assessment.id < assessment.id,
        )
        .order_by(Assessment.id.desc())
        .limit(1)
    )


def history(user: User) -> list[Assessment]:
    org = require_sme(user)
    return list(
        db.session.scalars(
            sa.select(Assessment)
            .where(Assessment.organisation_id == org.id)
            .order_by(Assessment.id.desc())
        )
    )


def get_assessment(user: User, assessment_id: int) -> Assessment:
    """One of the user's organisation's results (admins see any); else 'not found'."""
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None or not (
        user.role == Role.ADMIN
        or (user.role == Role.SME and assessment.organisation_id == user.organisation_id)
    ):
        raise NotFound(_("No such assessment."))
    return assessment


def before(org_id: int, moment) -> Assessment | None:
    """The organisation's latest assessment taken before ``moment`` (for an application)."""
    return db.session.scalar(
        sa.select(Assessment)
        .where(Assessment.organisation_id == org_id, Assessment.created_at <= moment)
        .order_by(Assessment.created_at.desc(), Assessment.id.desc())
        .limit(1)
    )


# --- proposals ----------------------------------------------------------------------------


def get_proposal(user: User, proposal_id: int) -> NeedProposal:
    org = require_sme(user)
    proposal = db.session.get(NeedProposal, proposal_id)
    if proposal is None or proposal.assessment.organisation_id != org.id:
        raise NotFound(_("No such proposal."))
    return proposal


def accept_proposal(user: User, proposal: NeedProposal, *, budget_max: int | None = None) -> Need:
    """Turn a proposal into an open need (matched at once) with its capabilities ticked."""
    org = require_sme(user)
    if proposal.assessment.organisation_id != org.id:
        raise NotFound(_("No such proposal."))
    if proposal.status != ProposalStatus.PROPOSED:
        raise DomainError(_("This proposal was already decided."))
    need = needs.create_need(
        user,
        {
            "title": proposal.title,
            "description": proposal.description,
            "lang": proposal.lang,
            "industry": org.industry,
            "region": org.region,
            "company_size": org.company_size,
            "employees": org.employees,
            "budget_max": budget_max,
            "capabilities": list(proposal.capabilities),
            "maturity_level": org.maturity_level,
        },
    )
    proposal.status = ProposalStatus.ACCEPTED
    proposal.need = need
    proposal.decided_at = utcnow()
    audit.record(user, "proposal.accepted", proposal, need_id=need.id, item=proposal.item_id)
    return need


def dismiss_proposal(user: User, proposal: NeedProposal) -> NeedProposal:
    org = require_sme(user)
    if proposal.assessment.organisation_id != org.id:
        raise NotFound(_("No such proposal."))
    if proposal.status != ProposalStatus.PROPOSED:
        raise DomainError(_("This proposal was already decided."))
    proposal.status = ProposalStatus.DISMISSED
    proposal.decided_at = utcnow()
    audit.record(user, "proposal.dismissed", proposal, item=proposal.item_id)
    return proposal
