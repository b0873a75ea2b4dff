"""A vendor's own listings: the list, a form to create or edit, a plugin.toml upload."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.errors import InvalidInput
from app.extensions import db
from app.forms.errors import show_errors
from app.listings import bp
from app.listings.forms import ListingForm, UploadForm
from app.models import ListingSource, PluginListing, Role
from app.services import listings as service
from app.services import vendors
from app.web.boundary import discard
from app.web.permissions import role_required


@bp.route("/")
@role_required(Role.VENDOR)
def index():
    listings = db.session.scalars(
        sa.select(PluginListing)
        .where(PluginListing.vendor_id == current_user.organisation_id)
        .order_by(PluginListing.updated_at.desc())
    ).all()
    return render_template("listings/index.html", listings=listings, org=current_user.organisation)


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.VENDOR)
def new():
    form = ListingForm()
    if form.validate_on_submit():
        try:
            manifest = service.validate_fields(current_user, form.manifest_fields())
            listing = service.create_listing(current_user, manifest)
        except InvalidInput as exc:
            show_errors(form, exc)
        else:
            flash(
                _("Submitted: an admin will review “%(name)s” shortly.", name=listing.name),
                "success",
            )
            return redirect(url_for(".index"))
    return render_template("listings/form.html", form=form, listing=None)


@bp.route("/upload", methods=["GET", "POST"])
@role_required(Role.VENDOR)
def upload():
    form = UploadForm()
    if form.validate_on_submit():
        file = form.manifest.data
        try:
            manifest = service.parse_upload(file.read(), file.filename or "plugin.toml")
            listing = service.create_listing(current_user, manifest)
        except InvalidInput as exc:
            discard()
            form.manifest.errors = [*form.manifest.errors, *_lines(exc)]
        else:
            flash(
                _("Submitted: an admin will review “%(name)s” shortly.", name=listing.name),
                "success",
            )
            return redirect(url_for(".index"))
    return render_template("listings/upload.html", form=form)


def _lines(exc: InvalidInput) -> list[str]:
    lines = [f"{field}: {msg}" for field, msgs in exc.errors.items() for msg in msgs]
    return lines or [exc.message]


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@role_required(Role.VENDOR)
def edit(slug: str):
    listing = service.get_for_vendor(current_user, slug)
    if listing.source != ListingSource.PORTAL:
        flash(
            _("This plug-in is installed by the platform operator; its manifest is edited there."),
            "warning",
        )
        return redirect(url_for(".index"))
    form = ListingForm(obj=listing)
    form.id.data = listing.slug  # the address never changes (and obj= would give the row id)
    form.id.render_kw = {"readonly": True}
    if form.validate_on_submit():
        fields = form.manifest_fields() | {"id": listing.slug}
        try:
            manifest = service.validate_fields(current_user, fields)
            service.update_listing(current_user, listing, manifest)
        except InvalidInput as exc:
            show_errors(form, exc)
        else:
            flash(_("Saved. The changes go live once an admin approves them."), "success")
            return redirect(url_for(".index"))
    return render_template("listings/form.html", form=form, listing=listing)


@bp.route("/<slug>/plugin.toml")
@role_required(Role.VENDOR)
def export(slug: str):
    listing = service.get_for_vendor(current_user, slug)
    manifest = service.validate_fields(
        current_user, listing.offering_fields() | {"id": listing.slug, "version": listing.version}
    )
    return Response(
        manifest.to_toml(),
        mimetype="application/toml",
        headers={"Content-Disposition": f'attachment; filename="{listing.slug}-plugin.toml"'},
    )


@bp.route("/verification", methods=["POST"])
@role_required(Role.VENDOR)
def request_verification():
    try:
        vendors.request_verification(current_user, request.form.get("uscc", ""))
    except InvalidInput as exc:
        discard()
        flash(exc.message, "danger")
    else:
        flash(_("Thank you. An admin will verify your organisation."), "success")
    return redirect(url_for(".index"))
