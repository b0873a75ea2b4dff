"""The plan page of an engagement (both parties and admins) and its transitions.

Views never commit: the request's boundary (app.web.boundary) commits once when the page
answers with a success and rolls back when a service refused (``show_errors``)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.errors import InvalidInput
from app.extensions import db
from app.forms.errors import show_errors
from app.i18n import current_lang
from app.milestones import bp
from app.milestones.forms import (
    AcceptForm,
    AfterForm,
    BaselineForm,
    CorrectForm,
    DeliverForm,
    RejectForm,
    ResolveForm,
)
from app.models import Engagement, Role
from app.services import engagements, kpi_changes, kpis, milestone_plans, milestones
from app.web.permissions import role_required
from app.web.uploads import accepts_files, uploads_from


@bp.app_template_global()
def milestone_plan(engagement) -> list:
    """The plan of an engagement, for the pages that show its progress."""
    return milestone_plans.plan_for(engagement)


@bp.app_template_global()
def quote_milestones(quote) -> list:
    """The milestones proposed with a quote, for the comparison of quotes."""
    return milestone_plans.quote_plan(quote)


@bp.app_template_global()
def engagement_of_quote(quote):
    """The engagement an accepted quote started, if any."""
    if quote is None:
        return None
    return db.session.scalar(db.select(Engagement).where(Engagement.quote_id == quote.id))


@bp.app_template_global()
def review_outcomes(reviews) -> dict:
    """The measured changes of these reviews' engagements, by engagement id."""
    return kpi_changes.measured_by_engagement(r.engagement_id for r in reviews)


@bp.app_template_global()
def outcome_summary(*, listing_id=None, vendor_id=None):
    """The measured outcomes of a listing's or a vendor's completed engagements."""
    return kpi_changes.summary(listing_id=listing_id, vendor_id=vendor_id)


def outcome_context(engagement, *, failed: int | str | None = None, **forms) -> dict:
    """What the outcome lists and the SME's forms beside them need (plan and review page)."""
    return {
        "outcomes": kpi_changes.changes(engagement),
        "after_form": forms.get("after") or AfterForm(formdata=None),
        "correct_form": forms.get("correct") or CorrectForm(formdata=None),
        "baseline_correctable": kpis.baseline_correctable(engagement),
        "reviewed": kpis.reviewed(engagement),
        "failed": failed,
    }


def _plan_page(engagement, *, failed: int | str | None = None, **forms):
    plan = milestone_plans.plan_for(engagement)
    baseline_form = forms.get("baseline") or BaselineForm()
    recorded = {outcome.kpi for outcome in kpis.outcomes_of(engagement)}
    baseline_form.kpi.choices = [
        (k.code, f"{k.name(current_lang())} ({k.unit(current_lang())})")
        for k in kpis.options(engagement)
        if k.code not in recorded  # a recorded baseline is corrected beside it instead
    ]
    return render_template(
        "milestones/plan.html",
        engagement=engagement,
        plan=plan,
        files=milestone_plans.files_of(plan),
        deliver_form=forms.get("deliver") or DeliverForm(),
        accept_form=AcceptForm(),
        reject_form=forms.get("reject") or RejectForm(),
        resolve_form=forms.get("resolve") or ResolveForm(),
        baseline_form=baseline_form,
        **outcome_context(engagement, failed=failed, **forms),
    )


@bp.route("/engagements/<id:engagement_id>/plan")
@login_required
def plan(engagement_id: int):
    return _plan_page(engagements.get_engagement(current_user, engagement_id))


def _done(milestone, message: str):
    flash(message, "success")
    return redirect(
        url_for(".plan", engagement_id=milestone.engagement_id, _anchor=f"m-{milestone.id}")
    )


def _refused(milestone, key: str, form):
    """The plan again with the refused form's messages beside its milestone (422)."""
    engagement = engagements.get_engagement(current_user, milestone.engagement_id)
    return _plan_page(engagement, failed=milestone.id, **{key: form}), 422


@bp.route("/milestones/<id:milestone_id>/deliver", methods=["POST"])
@role_required(Role.VENDOR)
@accepts_files
def deliver(milestone_id: int):
    milestone = milestones.get_milestone(milestone_id)
    form = DeliverForm()
    if form.validate_on_submit():
        try:
            milestones.deliver(current_user, milestone, form.note.data, uploads_from("files"))
        except InvalidInput as exc:
            show_errors(form, exc)
        else:
            return _done(milestone, _("Marked delivered; the enterprise is asked to accept it."))
    return _refused(milestone, "deliver", form)


@bp.route("/milestones/<id:milestone_id>/accept", methods=["POST"])
@role_required(Role.SME)
def accept(milestone_id: int):
    milestone = milestones.get_milestone(milestone_id)
    if AcceptForm().validate_on_submit():
        milestones.accept(current_user, milestone)
        return _done(milestone, _("Milestone accepted."))
    return redirect(url_for(".plan", engagement_id=milestone.engagement_id))


@bp.route("/milestones/<id:milestone_id>/reject", methods=["POST"])
@role_required(Role.SME)
def reject(milestone_id: int):
    milestone = milestones.get_milestone(milestone_id)
    form = RejectForm()
    if form.validate_on_submit():
        try:
            milestones.reject(current_user, milestone, form.reason.data)
        except InvalidInput as exc:
            show_errors(form, exc)
        else:
            return _done(milestone, _("Milestone rejected; the vendor is told what is missing."))
    return _refused(milestone, "reject", form)


def _outcome_done(engagement_id: int, message: str, back: str | None = None):
    flash(message, "success")
    if back == "review":
        return redirect(url_for("needs.review", engagement_id=engagement_id, _anchor="outcomes"))
    return redirect(url_for(".plan", engagement_id=engagement_id, _anchor="outcomes"))


def _outcome_refused(engagement, back: str | None, failed: str, **forms):
    """The page the form came from again, with its messages beside the refused form (422)."""
    if back == "review":
        # here, not at the top: app.needs.routes imports this module (outcome_context)
        from app.needs.routes import review_page  # the review page belongs to the needs pages

        return review_page(engagement, failed=failed, **forms), 422
    return _plan_page(engagement, failed=failed, **forms), 422


@bp.route("/engagements/<id:engagement_id>/outcomes", methods=["POST"])
@role_required(Role.SME)
def record_baseline(engagement_id: int):
    engagement = engagements.get_engagement(current_user, engagement_id)
    form = BaselineForm()
    if form.validate_on_submit():
        try:
            kpis.record_baseline(current_user, engagement, form.kpi.data, form.value.data)
        except InvalidInput as exc:
            show_errors(form, exc)
        else:
            return _outcome_done(engagement_id, _("Baseline recorded."))
    return _outcome_refused(engagement, None, "baseline", baseline=form)


@bp.route("/engagements/<id:engagement_id>/outcomes/after", methods=["POST"])
@role_required(Role.SME)
def record_after(engagement_id: int):
    engagement = engagements.get_engagement(current_user, engagement_id)
    form = AfterForm()
    if form.validate_on_submit():
        try:
            kpis.record_after(current_user, engagement, form.kpi.data, form.value.data)
        except InvalidInput as exc:
            show_errors(form, exc)
        else:
            return _outcome_done(engagement_id, _("Value after the work recorded."), form.back.data)
    return _outcome_refused(engagement, form.back.data, f"after-{form.kpi.data}", after=form)


@bp.route("/engagements/<id:engagement_id>/outcomes/correct", methods=["POST"])
@role_required(Role.SME)
def correct_outcome(engagement_id: int):
    """A recorded baseline or value after the work corrected while it may still change."""
    engagement = engagements.get_engagement(current_user, engagement_id)
    form = CorrectForm()
    if form.validate_on_submit():
        correct = kpis.correct_baseline if form.which.data == "baseline" else kpis.correct_after
        try:
            correct(current_user, engagement, form.kpi.data, form.value.data)
        except InvalidInput as exc:
            show_errors(form, exc)
        else:
            return _outcome_done(engagement_id, _("Correction saved."), form.back.data)
    failed = f"correct-{form.which.data}-{form.kpi.data}"
    return _outcome_refused(engagement, form.back.data, failed, correct=form)


def _disputes_page(*, form=None, failed: int | None = None):
    queue = milestones.disputes()
    return render_template(
        "milestones/disputes.html",
        disputes=queue,
        files=milestone_plans.files_of(queue),
        form=form or ResolveForm(),
        failed=failed,
    )


@bp.route("/admin/disputes")
@role_required(Role.ADMIN)
def disputes():
    return _disputes_page()


@bp.route("/milestones/<id:milestone_id>/resolve", methods=["POST"])
@role_required(Role.ADMIN)
def resolve(milestone_id: int):
    milestone = milestones.get_milestone(milestone_id)
    form = ResolveForm()
    if form.validate_on_submit():
        try:
            milestones.resolve(current_user, milestone, form.decision.data, form.reason.data)
        except InvalidInput as exc:
            show_errors(form, exc)
        else:
            flash(_("The dispute is settled; both parties are told why."), "success")
            return redirect(url_for(".disputes"))
    return _disputes_page(form=form, failed=milestone.id), 422
