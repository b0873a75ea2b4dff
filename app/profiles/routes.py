"""Public vendor profiles and their logos; the vendor's own page to change its logo."""

from __future__ import annotations

import hashlib

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.errors import InvalidInput
from app.forms.errors import show_errors
from app.models import Role
from app.profiles import bp
from app.profiles.forms import LogoForm, RemoveLogoForm
from app.profiles.monogram import monogram_svg
from app.services import logos
from app.services.rfqs import require_vendor
from app.services.vendor_profiles import get_vendor, vendor_profile
from app.web.permissions import role_required

LOGO_MAX_AGE = 300  # seconds; pages add the image's digest to the URL after a change


@bp.app_template_filter("hours")
def hours_filter(hours: float | None) -> str:
    """A duration in the reader's language: "under an hour", "5 hours", "3 days"."""
    if hours is None:
        return "—"
    if hours < 1:
        return _("under an hour")
    if hours < 48:
        return ngettext("%(num)d hour", "%(num)d hours", round(hours))
    return ngettext("%(num)d day", "%(num)d days", round(hours / 24))


@bp.app_template_global()
def vendor_url(org_id: int) -> str:
    """Where a vendor's name links to, on every page."""
    return url_for("profiles.show", org_id=org_id)


@bp.route("/<id:org_id>")
def show(org_id: int):
    return render_template("profiles/show.html", profile=vendor_profile(org_id))


@bp.route("/<id:org_id>/logo")
def logo(org_id: int):
    """The uploaded logo (a PNG made by Pillow), or a monogram for vendors without one."""
    org = get_vendor(org_id)
    stored = logos.logo_for(org.id)
    if stored is None:
        response = Response(monogram_svg(org.name, org.id), mimetype="image/svg+xml")
        response.set_etag("m-" + hashlib.sha256(f"{org.id}:{org.name}".encode()).hexdigest()[:16])
    else:
        response = Response(stored.image, mimetype=stored.media_type)
        response.set_etag(stored.digest)
    response.headers["Cache-Control"] = f"public, max-age={LOGO_MAX_AGE}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    # An SVG opened on its own must not run anything.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response.make_conditional(request)


def _edit_page(form: LogoForm | None = None):
    org = require_vendor(current_user)
    return render_template(
        "profiles/edit.html",
        org=org,
        logo=logos.logo_for(org.id),
        form=form or LogoForm(),
        remove_form=RemoveLogoForm(),
    )


@bp.route("/profile", methods=["GET"])
@role_required(Role.VENDOR)
def edit():
    return _edit_page()


@bp.route("/profile/logo", methods=["POST"])
@role_required(Role.VENDOR)
def upload_logo():
    form = LogoForm()
    if form.validate_on_submit():
        try:
            logos.set_logo(current_user, form.logo.data.read())
        except InvalidInput as exc:
            show_errors(form, exc)
        else:
            flash(_("Your logo is saved."), "success")
            return redirect(url_for(".edit"))
    return _edit_page(form), 422


@bp.route("/profile/logo/remove", methods=["POST"])
@role_required(Role.VENDOR)
def remove_logo():
    if RemoveLogoForm().validate_on_submit():
        logos.remove_logo(current_user)
        flash(_("Your logo is removed; your initials are shown instead."), "success")
    return redirect(url_for(".edit"))
