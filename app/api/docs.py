"""The OpenAPI document, the docs page (Swagger UI served from the local package, no CDN)
and the token page where a signed-in user creates, lists and revokes API tokens."""

from __future__ import annotations

from pathlib import Path

from flask import abort, flash, redirect, render_template, request, send_from_directory, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.api import bp
from app.api.openapi import document
from app.errors import DomainError
from app.extensions import csrf
from app.services import tokens
from app.web.boundary import discard

# Swagger UI's static files, from the swagger-ui-bundle-v2 package.
SWAGGER_ASSETS = ("swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png")


def _swagger_dir() -> Path | None:
    try:
        # here, not at the top: the docs page works without swagger-ui-bundle (a declared
        # dependency, but optional to this page), showing the server-rendered reference only
        from swagger_ui_bundle import swagger_ui_path
    except ImportError:  # the page then shows the server-rendered reference only
        return None
    return Path(str(swagger_ui_path))


@bp.get("/openapi.json")
def openapi_json():
    return document()


@bp.get("/docs")
def docs():
    spec = document()
    operations = [
        (path, method.upper(), op)
        for path, item in spec["paths"].items()
        for method, op in item.items()
    ]
    return render_template(
        "api/docs.html",
        spec=spec,
        operations=operations,
        swagger=_swagger_dir() is not None,
    )


@bp.get("/docs/assets/<name>")
def docs_asset(name: str):
    folder = _swagger_dir()
    if folder is None or name not in SWAGGER_ASSETS:
        abort(404)
    return send_from_directory(folder, name, max_age=86400)


@bp.route("/tokens/page", methods=["GET", "POST"])
@login_required
def tokens_page():
    """The signed-in user's tokens; POST creates one and shows its secret once."""
    secret = None
    if request.method == "POST":
        csrf.protect()  # the blueprint is exempt for bearer calls; this page is a form
        try:
            issued = tokens.create_token(current_user, request.form.get("name", ""))
        except DomainError as exc:
            discard()
            flash(exc.message, "danger")
        else:
            secret = issued.secret
    return render_template(
        "api/tokens.html",
        tokens=tokens.list_tokens(current_user),
        state=tokens.token_state,
        secret=secret,
        days=tokens.token_days(),
    )


@bp.post("/tokens/page/<id:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    csrf.protect()
    try:
        tokens.revoke(current_user, token_id)
    except DomainError as exc:
        discard()
        flash(exc.message, "danger")
    else:
        flash(_("The token is revoked."), "success")
    return redirect(url_for("api.tokens_page"))
