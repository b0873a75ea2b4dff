"""Measured outcomes in the API: an engagement's KPIs, a baseline, the value after the work."""

from __future__ import annotations

from pydantic import Field

from app.api import serialize
from app.api.core import operation
from app.api.problems import STATE_PROBLEMS
from app.api.schemas import In, Out, OutcomeOut
from app.models import Role
from app.models import fields as rules
from app.services import engagements, kpi_changes, kpis


class KpiOut(Out):
    kpi: str
    name: str
    unit: str
    higher_is_better: bool


class OutcomesOut(Out):
    engagement_id: int
    kpis: list[KpiOut] = Field(description="The KPIs this engagement may be measured by.")
    items: list[OutcomeOut]


class OutcomeIn(In):
    kpi: str = Field(max_length=40, description="A KPI code of the engagement's list.")
    value: rules.KPI_VALUE.api()


def _list(engagement) -> OutcomesOut:
    return OutcomesOut(
        engagement_id=engagement.id,
        kpis=[
            KpiOut(kpi=k.code, name=k.en, unit=k.unit_en, higher_is_better=k.higher_is_better)
            for k in kpis.options(engagement)
        ],
        items=[serialize.outcome(c) for c in kpi_changes.changes(engagement)],
    )


@operation(
    "GET",
    "/engagements/<id:engagement_id>/outcomes",
    summary="The engagement's measured outcomes and the KPIs it may be measured by",
    tag="Outcomes",
    roles=(Role.SME, Role.VENDOR, Role.ADMIN),
    response=OutcomesOut,
    problems=(401, 403, 404),
)
def list_outcomes(user, engagement_id: int):
    return _list(engagements.get_engagement(user, engagement_id))


@operation(
    "POST",
    "/engagements/<id:engagement_id>/outcomes",
    summary="The SME records a KPI's baseline while the engagement is active (once per KPI)",
    tag="Outcomes",
    roles=(Role.SME,),
    body=OutcomeIn,
    response=OutcomesOut,
    status=201,
    problems=STATE_PROBLEMS,
)
def record_baseline(user, engagement_id: int, body: OutcomeIn):
    """The time is the server's; a baseline recorded before the first delivery is marked so."""
    engagement = engagements.get_engagement(user, engagement_id)
    kpis.record_baseline(user, engagement, body.kpi, body.value)
    return _list(engagement)


@operation(
    "POST",
    "/engagements/<id:engagement_id>/outcomes/after",
    summary="The SME records a KPI's value after the work, once the engagement is completed",
    tag="Outcomes",
    roles=(Role.SME,),
    body=OutcomeIn,
    response=OutcomesOut,
    problems=STATE_PROBLEMS,
)
def record_after(user, engagement_id: int, body: OutcomeIn):
    engagement = engagements.get_engagement(user, engagement_id)
    kpis.record_after(user, engagement, body.kpi, body.value)
    return _list(engagement)


@operation(
    "PUT",
    "/engagements/<id:engagement_id>/outcomes",
    summary="The SME corrects a KPI's baseline, only before the work began",
    tag="Outcomes",
    roles=(Role.SME,),
    body=OutcomeIn,
    response=OutcomesOut,
    problems=STATE_PROBLEMS,
)
def correct_baseline(user, engagement_id: int, body: OutcomeIn):
    """409 once the work began (the first delivery or the completion): the baseline shown as
    recorded before the work must be the one recorded then. 422 for the value recorded."""
    engagement = engagements.get_engagement(user, engagement_id)
    kpis.correct_baseline(user, engagement, body.kpi, body.value)
    return _list(engagement)


@operation(
    "PUT",
    "/engagements/<id:engagement_id>/outcomes/after",
    summary="The SME corrects a KPI's value after the work, until the engagement is reviewed",
    tag="Outcomes",
    roles=(Role.SME,),
    body=OutcomeIn,
    response=OutcomesOut,
    problems=STATE_PROBLEMS,
)
def correct_after(user, engagement_id: int, body: OutcomeIn):
    """409 once the review is submitted or before a value after the work was recorded."""
    engagement = engagements.get_engagement(user, engagement_id)
    kpis.correct_after(user, engagement, body.kpi, body.value)
    return _list(engagement)
