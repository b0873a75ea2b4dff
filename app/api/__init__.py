"""The JSON API at /api/v1: bearer tokens, problem+json errors, an OpenAPI 3.1 description.

Modules: :mod:`~app.api.core` (how an endpoint runs), :mod:`~app.api.auth` (bearer
tokens), :mod:`~app.api.problems` (RFC 9457 errors), :mod:`~app.api.schemas` (pydantic
models: validation and OpenAPI), :mod:`~app.api.idempotency`, :mod:`~app.api.pagination`,
:mod:`~app.api.openapi`, one module per resource, and :mod:`~app.api.docs` (the docs page
and the signed-in user's token page at ``/api/v1/tokens/page``).
"""

from __future__ import annotations

import logging

from flask import Blueprint, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from app.api.problems import ApiProblem, default_detail, is_api_path, problem
from app.errors import (
    DomainError,
    InvalidInput,
    Unavailable,
    database_unavailable,
    render_error,
    unavailable_answer,
)
from app.extensions import csrf, db
from app.web.throttle import retry_message

API_PREFIX = "/api/v1"
HTML_ENDPOINTS = frozenset({"api.docs", "api.tokens_page", "api.revoke_token"})

log = logging.getLogger("app.api")

bp = Blueprint("api", __name__)
csrf.exempt(bp)  # bearer tokens, never session cookies, authorise state changes here


def _html() -> bool:
    return request.endpoint in HTML_ENDPOINTS


@bp.before_app_request
def _unrouted_api_request():
    """Unknown paths and methods under /api/v1 are problems too, not HTML pages."""
    exc = request.routing_exception
    if exc is None or not is_api_path():
        return None
    if isinstance(exc, MethodNotAllowed):
        allowed = ", ".join(sorted(exc.valid_methods or ()))
        return problem(405, default_detail(405), headers={"Allow": allowed} if allowed else None)
    if isinstance(exc, NotFound):
        return problem(404, _("There is no such API endpoint."))
    return None


@bp.errorhandler(Exception)
def _error(exc: Exception):
    if isinstance(exc, ApiProblem):
        return exc.response()
    if isinstance(exc, Unavailable):
        return unavailable_answer(exc.message, exc.retry_after)
    outage = database_unavailable(exc)
    if outage is not None:
        return outage
    if isinstance(exc, DomainError):
        if _html():
            return render_error(exc.status, exc.message)
        errors = exc.errors if isinstance(exc, InvalidInput) else None
        return problem(exc.status, exc.message, errors)
    if isinstance(exc, CSRFError):
        return render_error(
            400, _("Your form expired or was sent from elsewhere. Please reload and try again.")
        )
    if isinstance(exc, HTTPException):
        code = exc.code or 500
        if _html():
            return render_error(code)
        headers = {}
        if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
            headers["Allow"] = ", ".join(sorted(exc.valid_methods))
        if code == 429 and getattr(exc, "retry_after", None):
            headers["Retry-After"] = str(exc.retry_after)
        if code == 429:
            detail = retry_message()
        else:
            detail = default_detail(code) if code in (404, 413, 405) else exc.description
        return problem(code, detail, headers=headers)
    log.exception("unhandled error on %s %s", request.method, request.path)
    db.session.rollback()
    if _html():
        return render_error(500)
    return problem(500)


from app.api import routes  # noqa: E402,F401
