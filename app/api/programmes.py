"""Public programmes: the maturity self-assessment, its proposed needs, subsidy programmes,
a programme chosen for a need, the price after subsidy of its quotes, the application pack."""

from __future__ import annotations

from flask import Response

from app.api import serialize
from app.api.core import operation
from app.api.pagination import paginate
from app.api.problems import STATE_PROBLEMS
from app.api.schemas import (
    AcceptProposalIn,
    AssessmentIn,
    AssessmentOut,
    LangQuery,
    NeedOut,
    NeedProgrammeOut,
    PageQuery,
    ProgrammeIn,
    ProgrammeOut,
    ProposalOut,
    QuestionnaireOut,
    QuoteSubsidyOut,
    SubsidyChoiceIn,
    SubsidyChoiceOut,
    page_of,
)
from app.i18n import current_lang
from app.models import Assessment, Programme, Role
from app.services import application_pack, needs, programme_admin, subsidies
from app.services import assessment as assessments
from app.services import quotes as quote_service

AssessmentPage = page_of(AssessmentOut)
ProgrammePage = page_of(ProgrammeOut)
NeedProgrammePage = page_of(NeedProgrammeOut)
QuoteSubsidyPage = page_of(QuoteSubsidyOut)
SME_OR_ADMIN = (Role.SME, Role.ADMIN)


# --- the self-assessment -------------------------------------------------------------------


@operation(
    "GET",
    "/assessments/questionnaire",
    summary="The current maturity questionnaire for your industry",
    tag="Programmes",
    roles=(Role.SME,),
    query=(LangQuery,),
    response=QuestionnaireOut,
    problems=(401, 403, 404, 422),
)
def questionnaire(user, query: LangQuery):
    """Four dimensions scored to 100 points; answer each item with an option's index."""
    edition = assessments.current_edition(assessments.table_for(user.organisation))
    return serialize.questionnaire(edition, query.lang or current_lang())


@operation(
    "POST",
    "/assessments",
    summary="Take the self-assessment: scored, levelled, needs proposed",
    tag="Programmes",
    roles=(Role.SME,),
    body=AssessmentIn,
    response=AssessmentOut,
    status=201,
    problems=STATE_PROBLEMS,
)
def take_assessment(user, body: AssessmentIn):
    """Every item must be answered. Sets the organisation's maturity level (1-4) and
    proposes needs for the biggest gaps; none is posted until accepted."""
    lang = body.lang or current_lang()
    result = assessments.submit(user, body.answers, lang=lang, edition_id=body.edition)
    return serialize.assessment(result, lang)


@operation(
    "GET",
    "/assessments",
    summary="Your organisation's assessments, newest first",
    tag="Programmes",
    roles=(Role.SME,),
    query=(PageQuery,),
    response=AssessmentPage,
    problems=(401, 403, 422),
)
def list_assessments(user, query: PageQuery):
    lang = current_lang()
    return paginate(assessments.history(user), query, lambda a: serialize.assessment(a, lang))


@operation(
    "GET",
    "/assessments/<id:assessment_id>",
    summary="One assessment, with progress against the one before",
    tag="Programmes",
    roles=SME_OR_ADMIN,
    response=AssessmentOut,
    problems=(401, 403, 404),
)
def get_assessment(user, assessment_id: int):
    result: Assessment = assessments.get_assessment(user, assessment_id)
    return serialize.assessment(result, current_lang())


@operation(
    "POST",
    "/proposals/<id:proposal_id>/accept",
    summary="Post a proposed need (matched at once)",
    tag="Programmes",
    roles=(Role.SME,),
    body=AcceptProposalIn,
    body_required=False,
    response=NeedOut,
    status=201,
    problems=STATE_PROBLEMS,
)
def accept_proposal(user, proposal_id: int, body: AcceptProposalIn):
    proposal = assessments.get_proposal(user, proposal_id)
    return serialize.need(assessments.accept_proposal(user, proposal, budget_max=body.budget_max))


@operation(
    "POST",
    "/proposals/<id:proposal_id>/dismiss",
    summary="Dismiss a proposed need",
    tag="Programmes",
    roles=(Role.SME,),
    response=ProposalOut,
    problems=STATE_PROBLEMS,
)
def dismiss_proposal(user, proposal_id: int):
    proposal = assessments.get_proposal(user, proposal_id)
    return serialize.proposal(assessments.dismiss_proposal(user, proposal))


# --- programmes -------------------------------------------------------------------------------


@operation(
    "GET",
    "/programmes",
    summary="Subsidy programmes: the running ones (admins: all)",
    tag="Programmes",
    query=(PageQuery,),
    response=ProgrammePage,
    problems=(401, 422),
)
def list_programmes(user, query: PageQuery):
    rows = (
        programme_admin.all_programmes()
        if user.role == Role.ADMIN
        else programme_admin.active_programmes()
    )
    return paginate(rows, query, serialize.programme)


@operation(
    "POST",
    "/programmes",
    summary="Define a subsidy programme",
    tag="Programmes",
    roles=(Role.ADMIN,),
    body=ProgrammeIn,
    response=ProgrammeOut,
    status=201,
    problems=STATE_PROBLEMS,
)
def create_programme(user, body: ProgrammeIn):
    """Empty lists mean "any"; the SMEs of its provinces and industries are told."""
    return serialize.programme(programme_admin.create_programme(user, body.model_dump()))


@operation(
    "GET",
    "/programmes/<id:programme_id>",
    summary="One subsidy programme with its committed and remaining budget",
    tag="Programmes",
    response=ProgrammeOut,
    problems=(401, 404),
)
def get_programme(programme_id: int):
    return serialize.programme(programme_admin.get_programme(programme_id))


@operation(
    "PUT",
    "/programmes/<id:programme_id>",
    summary="Change a programme's rules",
    tag="Programmes",
    roles=(Role.ADMIN,),
    body=ProgrammeIn,
    response=ProgrammeOut,
    problems=STATE_PROBLEMS,
)
def update_programme(user, programme_id: int, body: ProgrammeIn):
    """The budget can never drop below what is already committed."""
    item: Programme = programme_admin.get_programme(programme_id)
    return serialize.programme(programme_admin.update_programme(user, item, body.model_dump()))


# --- a programme for a need ------------------------------------------------------------------


@operation(
    "GET",
    "/needs/<id:need_id>/programmes",
    summary="The running programmes a need may qualify for, with the reasons it may not",
    tag="Programmes",
    roles=(Role.SME,),
    query=(PageQuery,),
    response=NeedProgrammePage,
    problems=(401, 403, 404, 422),
)
def need_programmes(user, need_id: int, query: PageQuery):
    need = needs.get_for_sme(user, need_id)
    choice = subsidies.choice_for(need)
    rows = subsidies.programmes_for_need(need)
    return paginate(
        rows,
        query,
        lambda row: {
            "programme": serialize.programme(row[0]),
            "qualifies": not row[1],
            "problems": row[1],
            "chosen": choice is not None and choice.programme_id == row[0].id,
        },
    )


@operation(
    "PUT",
    "/needs/<id:need_id>/programme",
    summary="Apply with a programme for a need",
    tag="Programmes",
    roles=(Role.SME,),
    body=SubsidyChoiceIn,
    response=SubsidyChoiceOut,
    problems=STATE_PROBLEMS,
)
def choose_programme(user, need_id: int, body: SubsidyChoiceIn):
    """Quotes then carry the price after subsidy; the award commits the subsidy. With
    ``budget_after_subsidy`` matching judges budget fit by the price after subsidy."""
    need = needs.get_for_sme(user, need_id)
    programme = programme_admin.get_programme(body.programme_id)
    choice = subsidies.choose_programme(
        user, need, programme, budget_after_subsidy=body.budget_after_subsidy
    )
    return serialize.subsidy_choice(choice)


@operation(
    "DELETE",
    "/needs/<id:need_id>/programme",
    summary="No longer apply with a programme for a need",
    tag="Programmes",
    roles=(Role.SME,),
    status=204,
    problems=(401, 403, 404, 409),
)
def drop_programme(user, need_id: int):
    need = needs.get_for_sme(user, need_id)
    subsidies.drop_programme(user, need)
    return Response(status=204)


@operation(
    "GET",
    "/needs/<id:need_id>/subsidies",
    summary="The price after subsidy of each live quote, with the rule applied",
    tag="Programmes",
    roles=SME_OR_ADMIN,
    query=(PageQuery,),
    response=QuoteSubsidyPage,
    problems=(401, 403, 404, 422),
)
def quote_subsidies(user, need_id: int, query: PageQuery):
    """Under the chosen programme, or the best running one when none is chosen."""
    need = needs.get_for_viewer(user, need_id)
    quotes = quote_service.quotes_for_need(user, need)
    found = subsidies.subsidies_for_quotes(quotes)
    rows = [(q.id, found[q.id]) for q in quotes if q.id in found]
    return paginate(rows, query, lambda row: serialize.quote_subsidy(*row))


@operation(
    "GET",
    "/needs/<id:need_id>/application-pack",
    summary="The application pack for the programme office (CSV)",
    tag="Programmes",
    roles=SME_OR_ADMIN,
    problems=(401, 403, 404),
    media_type="text/csv",
)
def application(user, need_id: int):
    """The need, the awarded quote, the vendor's credit code, the subsidy committed and the
    assessment taken before the award; UTF-8 CSV with a byte-order mark."""
    need = needs.get_for_viewer(user, need_id)
    return Response(
        application_pack.csv_text(user, need),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="application-need-{need.id}.csv"'},
    )
