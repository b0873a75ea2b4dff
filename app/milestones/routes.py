"""The plan page of an engagement (both parties and admins) and its transitions."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.errors import InvalidInput
from app.extensions import db
from app.milestones import bp
from app.milestones.forms import AcceptForm, DeliverForm, RejectForm, ResolveForm
from app.models import Engagement, Role
from app.permissions import role_required
from app.services import deals, milestones


@bp.app_template_global()
def milestone_plan(engagement) -> list:
    """The plan of an engagement, for the pages that show its progress."""
    return milestones.plan_for(engagement)


@bp.app_template_global()
def engagement_of_quote(quote):
    """The engagement an accepted quote started, if any."""
    if quote is None:
        return None
    return db.session.scalar(db.select(Engagement).where(Engagement.quote_id == quote.id))


def _plan_page(engagement, *, status: int = 200, **forms):
    return render_template(
        "milestones/plan.html",
        engagement=engagement,
        plan=milestones.plan_for(engagement),
        deliver_form=forms.get("deliver") or DeliverForm(),
        accept_form=AcceptForm(),
        reject_form=forms.get("reject") or RejectForm(),
        resolve_form=forms.get("resolve") or ResolveForm(),
        failed=forms.get("failed"),
    ), status


@bp.route("/engagements/<int:engagement_id>/plan")
@login_required
def plan(engagement_id: int):
    return _plan_page(deals.get_engagement(current_user, engagement_id))


def _done(milestone, message: str):
    db.session.commit()
    flash(message, "success")
    return redirect(
        url_for(".plan", engagement_id=milestone.engagement_id, _anchor=f"m-{milestone.id}")
    )


def _refused(milestone, form, key: str, exc: InvalidInput | None = None):
    """The plan again with the refused form's message beside it (nothing is saved)."""
    db.session.rollback()
    if exc is not None:
        field = next(iter(form._fields.values()))
        for name, messages in (exc.errors or {"": [exc.message]}).items():
            target = form._fields.get(name, form._fields.get("reason", field))
            target.errors = [*target.errors, *messages]
    return _plan_page(milestone.engagement, status=422, failed=milestone.id, **{key: form})


@bp.route("/milestones/<int:milestone_id>/deliver", methods=["POST"])
@role_required(Role.VENDOR)
def deliver(milestone_id: int):
    milestone = milestones.get_milestone(milestone_id)
    form = DeliverForm()
    if not form.validate_on_submit():
        return _refused(milestone, form, "deliver")
    try:
        milestones.deliver(current_user, milestone, form.note.data)
    except InvalidInput as exc:
        return _refused(milestone, form, "deliver", exc)
    return _done(milestone, _("Marked delivered; the enterprise is asked to accept it."))


@bp.route("/milestones/<int:milestone_id>/accept", methods=["POST"])
@role_required(Role.SME)
def accept(milestone_id: int):
    milestone = milestones.get_milestone(milestone_id)
    if AcceptForm().validate_on_submit():
        milestones.accept(current_user, milestone)
        return _done(milestone, _("Milestone accepted."))
    return redirect(url_for(".plan", engagement_id=milestone.engagement_id))


@bp.route("/milestones/<int:milestone_id>/reject", methods=["POST"])
@role_required(Role.SME)
def reject(milestone_id: int):
    milestone = milestones.get_milestone(milestone_id)
    form = RejectForm()
    if not form.validate_on_submit():
        return _refused(milestone, form, "reject")
    try:
        milestones.reject(current_user, milestone, form.reason.data)
    except InvalidInput as exc:
        return _refused(milestone, form, "reject", exc)
    return _done(milestone, _("Milestone rejected; the vendor is told what is missing."))


@bp.route("/admin/disputes")
@role_required(Role.ADMIN)
def disputes():
    return render_template(
        "milestones/disputes.html", disputes=milestones.disputes(), form=ResolveForm()
    )


@bp.route("/milestones/<int:milestone_id>/resolve", methods=["POST"])
@role_required(Role.ADMIN)
def resolve(milestone_id: int):
    milestone = milestones.get_milestone(milestone_id)
    form = ResolveForm()
    if not form.validate_on_submit():
        return _refused(milestone, form, "resolve")
    try:
        milestones.resolve(current_user, milestone, form.decision.data, form.reason.data)
    except InvalidInput as exc:
        return _refused(milestone, form, "resolve", exc)
    return _done(milestone, _("The dispute is settled; both parties are told why."))
