"""The conversation of one request for quote, for both parties and (once reported) admins."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.conversations import bp
from app.conversations.forms import MessageForm, ReportForm
from app.errors import InvalidInput
from app.forms.errors import show_errors
from app.models import Role
from app.services import attachments, conversations
from app.web.permissions import role_required
from app.web.uploads import accepts_files, uploads_from


def thread_context(rfq, *, message_form=None, report_form=None) -> dict:
    """What the thread partial needs, for this page and the vendor's request page."""
    rows = conversations.messages(rfq)
    files: dict[int, list] = {}
    for item in attachments.for_owner(message_ids=[m.id for m in rows]):
        files.setdefault(item.message_id, []).append(item)
    return {
        "thread_rfq": rfq,
        "thread_messages": rows,
        "thread_files": files,
        "thread_side": conversations.side_of(current_user, rfq),
        "thread_writable": conversations.can_write(rfq),
        "thread_reported": conversations.is_reported(rfq),
        "message_form": message_form or MessageForm(),
        "report_form": report_form or ReportForm(),
    }


def _back(rfq) -> str:
    if conversations.side_of(current_user, rfq) == conversations.VENDOR:
        return url_for("vendor.rfq", rfq_id=rfq.id) + "#conversation"
    return url_for(".thread", rfq_id=rfq.id) + "#conversation"


@bp.route("/<id:rfq_id>")
@login_required
def thread(rfq_id: int, **forms):
    rfq = conversations.get_thread(current_user, rfq_id)
    if conversations.side_of(current_user, rfq) == conversations.VENDOR and not forms:
        return redirect(url_for("vendor.rfq", rfq_id=rfq.id) + "#conversation")
    conversations.record_admin_read(current_user, rfq)
    return render_template(
        "conversations/thread.html",
        rfq=rfq,
        need=rfq.need,
        reports=conversations.reports(rfq) if current_user.role == Role.ADMIN else [],
        **thread_context(rfq, **forms),
    )


@bp.route("/<id:rfq_id>/messages", methods=["POST"])
@login_required
@accepts_files
def post(rfq_id: int):
    rfq = conversations.get_thread(current_user, rfq_id)
    form = MessageForm()
    if form.validate_on_submit():
        try:
            conversations.post_message(current_user, rfq, form.body.data, uploads_from("files"))
        except InvalidInput as exc:
            show_errors(form, exc)
        else:
            flash(_("Your message is sent."), "success")
            return redirect(_back(rfq))
    return _again(rfq, message_form=form)


@bp.route("/<id:rfq_id>/report", methods=["POST"])
@login_required
def report(rfq_id: int):
    rfq = conversations.get_thread(current_user, rfq_id)
    form = ReportForm()
    if form.validate_on_submit():
        try:
            conversations.report(current_user, rfq, form.reason.data)
        except InvalidInput as exc:
            show_errors(form, exc)
        else:
            flash(_("Thank you. A platform admin will read this conversation."), "success")
            return redirect(_back(rfq))
    return _again(rfq, report_form=form)


def _again(rfq, **forms):
    """The page the form was on, with the refused input and its errors (422)."""
    if conversations.side_of(current_user, rfq) == conversations.VENDOR:
        # here, not at the top: app.vendor.routes imports this module (thread_context)
        from app.vendor.routes import _rfq_page

        return _rfq_page(rfq, **forms), 422
    return thread(rfq.id, **forms), 422


@bp.route("/reported")
@role_required(Role.ADMIN)
def reported():
    return render_template("conversations/reported.html", threads=conversations.reported_threads())
