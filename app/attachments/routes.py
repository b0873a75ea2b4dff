"""Serving attachments with headers that keep a file from acting as a page of this site."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from app.attachments import bp
from app.attachments.serving import serve
from app.errors import InvalidInput
from app.models import Need, Quote, Role
from app.services import attachments, quotes
from app.services.needs import get_for_sme
from app.web.boundary import discard
from app.web.permissions import role_required
from app.web.uploads import accepts_files, uploads_from


@bp.route("/<id:attachment_id>")
@login_required
def download(attachment_id: int):
    return serve(attachments.get_for(current_user, attachment_id), thumbnail=False)


@bp.route("/<id:attachment_id>/thumbnail")
@login_required
def thumbnail(attachment_id: int):
    return serve(attachments.get_for(current_user, attachment_id), thumbnail=True)


def _attach(action, owner, back: str):
    if not FlaskForm().validate_on_submit():
        flash(
            _("Your form expired or was sent from elsewhere. Please reload and try again."),
            "danger",
        )
        return redirect(back)
    files = uploads_from("files")
    if not files:
        flash(_("Choose at least one file."), "warning")
        return redirect(back)
    try:
        stored = action(current_user, owner, files)
    except InvalidInput as exc:
        discard()
        for messages in exc.errors.values():
            for message in messages:
                flash(message, "danger")
        if not exc.errors:
            flash(exc.message, "danger")
        return redirect(back)
    flash(ngettext("%(num)d file attached.", "%(num)d files attached.", len(stored)), "success")
    return redirect(back)


@bp.route("/needs/<id:need_id>", methods=["POST"])
@role_required(Role.SME)
@accepts_files
def attach_to_need(need_id: int):
    need: Need = get_for_sme(current_user, need_id)
    return _attach(attachments.attach_to_need, need, url_for("needs.show", need_id=need.id))


@bp.route("/quotes/<id:quote_id>", methods=["POST"])
@role_required(Role.VENDOR)
@accepts_files
def attach_to_quote(quote_id: int):
    quote: Quote = quotes.get_quote(current_user, quote_id)
    back = url_for("vendor.rfq", rfq_id=quote.rfq_id) + "#quote"
    return _attach(attachments.attach_to_quote, quote, back)


@bp.app_template_global()
def attachments_of(**owner):
    """Files of a need (``need=``) or of quotes (``quote_ids=``) for a template."""
    return attachments.for_owner(**owner)
