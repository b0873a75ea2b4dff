"""Programme pages: the maturity self-assessment and its proposed needs (SMEs), subsidy
programmes (everyone reads, admins define), a programme chosen for a need, and the
application pack. Views parse forms and commit once; the rules live in the services."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.errors import DomainError, InvalidInput
from app.forms.errors import show_errors
from app.i18n import current_lang
from app.models import ProposalStatus, Role
from app.needs.forms import ActionForm
from app.programmes import bp
from app.programmes.forms import (
    AcceptProposalForm,
    AssessmentForm,
    ChooseProgrammeForm,
    ProgrammeForm,
)
from app.programmes.radar import radar
from app.services import application_pack, programme_admin, subsidies
from app.services import assessment as assessments
from app.services import needs as needs_service
from app.web.boundary import discard
from app.web.permissions import role_required

# --- the self-assessment -------------------------------------------------------------------


@bp.route("/assessment")
@role_required(Role.SME)
def assessment_home():
    history = assessments.history(current_user)
    edition = assessments.current_edition(assessments.table_for(current_user.organisation))
    return render_template("programmes/assessment_home.html", history=history, edition=edition)


@bp.route("/assessment/new", methods=["GET", "POST"])
@role_required(Role.SME)
def assessment_new():
    edition = assessments.current_edition(assessments.table_for(current_user.organisation))
    form = AssessmentForm()
    errors: dict[str, list[str]] = {}
    answers = {item.id: request.form.get(item.id) for item in edition.items}
    if form.validate_on_submit():
        try:
            result = assessments.submit(
                current_user, answers, lang=current_lang(), edition_id=edition.edition
            )
        except InvalidInput as exc:
            discard()  # what the service did before it refused is not kept
            errors = exc.errors
            flash(exc.message, "danger")
        else:
            flash(_("Your result is ready. Accept the proposed needs that fit you."), "success")
            return redirect(url_for(".assessment_show", assessment_id=result.id))
    previous = assessments.latest(current_user.organisation)
    if request.method == "GET" and previous and previous.edition == edition.edition:
        answers = {k: str(v) for k, v in previous.answers.items()}  # start from the last time
    return render_template(
        "programmes/assessment_form.html",
        edition=edition,
        form=form,
        answers=answers,
        errors=errors,
        lang=current_lang(),
    )


@bp.route("/assessment/<id:assessment_id>")
@role_required(Role.SME, Role.ADMIN)
def assessment_show(assessment_id: int):
    result = assessments.get_assessment(current_user, assessment_id)
    edition = assessments.edition_of(result)
    lang = current_lang()
    earlier = assessments.previous(result)
    dims = list(edition.dimensions)
    chart = radar(
        [d.name(lang) for d in dims],
        [result.dimension_scores[d.code] / d.weight for d in dims],
        [earlier.dimension_scores.get(d.code, 0) / d.weight for d in dims] if earlier else None,
    )
    return render_template(
        "programmes/assessment_result.html",
        result=result,
        edition=edition,
        earlier=earlier,
        chart=chart,
        weakest=assessments.weakest(result),
        lang=lang,
        accept_form=AcceptProposalForm(),
        action_form=ActionForm(),
        proposed=ProposalStatus.PROPOSED,
    )


@bp.route("/proposals/<id:proposal_id>/accept", methods=["POST"])
@role_required(Role.SME)
def proposal_accept(proposal_id: int):
    proposal = assessments.get_proposal(current_user, proposal_id)
    form = AcceptProposalForm()
    if not form.validate_on_submit():
        for message in form.budget_max.errors:
            flash(f"{form.budget_max.label.text}: {message}", "danger")
        return redirect(url_for(".assessment_show", assessment_id=proposal.assessment_id))
    need = assessments.accept_proposal(current_user, proposal, budget_max=form.budget_max.data)
    flash(_("Your need is posted. Here are the plug-ins that fit it."), "success")
    return redirect(url_for("needs.show", need_id=need.id))


@bp.route("/proposals/<id:proposal_id>/dismiss", methods=["POST"])
@role_required(Role.SME)
def proposal_dismiss(proposal_id: int):
    proposal = assessments.get_proposal(current_user, proposal_id)
    if ActionForm().validate_on_submit():
        assessments.dismiss_proposal(current_user, proposal)
        flash(_("The proposal is dismissed."), "info")
    return redirect(url_for(".assessment_show", assessment_id=proposal.assessment_id))


# --- programmes ---------------------------------------------------------------------------


@bp.route("/")
@login_required
def index():
    items = programme_admin.all_programmes() if current_user.role == Role.ADMIN else None
    return render_template(
        "programmes/index.html",
        programmes=items if items is not None else programme_admin.active_programmes(),
        running=programme_admin.running,
        lang=current_lang(),
    )


@bp.route("/<id:programme_id>")
@login_required
def show(programme_id: int):
    programme = programme_admin.get_programme(programme_id)
    commitments = subsidies.commitments(programme) if current_user.role == Role.ADMIN else []
    return render_template(
        "programmes/show.html",
        programme=programme,
        commitments=commitments,
        running=programme_admin.running(programme),
        lang=current_lang(),
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new():
    form = ProgrammeForm()
    if form.validate_on_submit():
        try:
            programme = programme_admin.create_programme(current_user, form.values())
        except InvalidInput as exc:
            show_errors(form, exc)
        else:
            flash(_("The programme is saved; the enterprises it is for are told."), "success")
            return redirect(url_for(".show", programme_id=programme.id))
    return render_template("programmes/form.html", form=form, programme=None)


@bp.route("/<id:programme_id>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit(programme_id: int):
    programme = programme_admin.get_programme(programme_id)
    form = ProgrammeForm(data=programme.fields() if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            programme_admin.update_programme(current_user, programme, form.values())
        except InvalidInput as exc:
            show_errors(form, exc)
        else:
            flash(_("The programme is saved."), "success")
            return redirect(url_for(".show", programme_id=programme.id))
    return render_template("programmes/form.html", form=form, programme=programme)


# --- a programme for a need --------------------------------------------------------------


@bp.route("/needs/<id:need_id>/choose", methods=["POST"])
@role_required(Role.SME)
def choose(need_id: int):
    need = needs_service.get_for_sme(current_user, need_id)
    form = ChooseProgrammeForm()
    if form.validate_on_submit():
        programme = programme_admin.get_programme(form.programme_id.data)
        subsidies.choose_programme(
            current_user,
            need,
            programme,
            budget_after_subsidy=bool(form.budget_after_subsidy.data),
        )
        flash(
            _(
                "You apply with “%(name)s”: quotes show the price after subsidy.",
                name=programme.name(current_lang()),
            ),
            "success",
        )
    return redirect(url_for("needs.show", need_id=need.id, _anchor="programmes"))


@bp.route("/needs/<id:need_id>/drop", methods=["POST"])
@role_required(Role.SME)
def drop(need_id: int):
    need = needs_service.get_for_sme(current_user, need_id)
    if ActionForm().validate_on_submit():
        subsidies.drop_programme(current_user, need)
        flash(_("You no longer apply with a programme for this need."), "info")
    return redirect(url_for("needs.show", need_id=need.id, _anchor="programmes"))


@bp.route("/needs/<id:need_id>/application.csv")
@role_required(Role.SME, Role.ADMIN)
def application_csv(need_id: int):
    need = needs_service.get_for_viewer(current_user, need_id)
    body = application_pack.csv_text(current_user, need)
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="application-need-{need.id}.csv"'},
    )


# --- what the need and quote pages show -------------------------------------------------


@bp.app_context_processor
def _programme_helpers() -> dict:
    """Functions the need and comparison pages call; computed only when they render."""

    def need_programmes(need):
        if current_user.is_anonymous or current_user.role != Role.SME:
            return None
        choice = subsidies.choice_for(need)
        return {
            "options": subsidies.programmes_for_need(need),
            "choice": choice,
            "commitment": subsidies.commitment_for(need),
            "effective_budget": subsidies.budget_with(need, choice),
            "form": ChooseProgrammeForm(),
            "action_form": ActionForm(),
            "latest": assessments.latest(need.organisation),
        }

    def quote_subsidies(quotes):
        try:
            return subsidies.subsidies_for_quotes(list(quotes))
        except DomainError:
            return {}

    return {"need_programmes": need_programmes, "quote_subsidies": quote_subsidies}
