"""RFC 9457 problem details: every error of the API is ``application/problem+json``.

``{"type", "title", "status", "detail", "errors"}``: ``type`` is a stable URI per kind of
problem (listed in :data:`PROBLEM_TYPES` and in the OpenAPI document), ``title`` a short
human summary, ``detail`` what went wrong this time, ``errors`` maps field names (nested
ones joined by ".") to messages, empty unless the input was invalid.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Response, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

# The answers an operation that changes state may give besides its success.
STATE_PROBLEMS = (400, 401, 403, 404, 409, 413, 422)

log = logging.getLogger("app.api")

PROBLEM_BASE = "https://shuzhuan.example/problems/"
MEDIA_TYPE = "application/problem+json"

# status -> (slug of the type URI, title)
PROBLEM_TYPES: dict[int, tuple[str, Any]] = {
    400: ("bad-request", _l("Bad request")),
    401: ("unauthorized", _l("Authentication required")),
    403: ("forbidden", _l("Not allowed")),
    404: ("not-found", _l("Not found")),
    405: ("method-not-allowed", _l("Method not allowed")),
    409: ("conflict", _l("That cannot be done now")),
    413: ("too-large", _l("Request body too large")),
    422: ("validation", _l("Invalid input")),
    429: ("rate-limited", _l("Too many requests")),
    500: ("server-error", _l("Something went wrong on our side")),
    503: ("unavailable", _l("Service unavailable")),
}


def problem_type(status: int) -> str:
    slug = PROBLEM_TYPES.get(status, ("error", ""))[0]
    return PROBLEM_BASE + slug


def problem_body(
    status: int, detail: str | None = None, errors: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    title = str(PROBLEM_TYPES.get(status, ("error", _("Error")))[1])
    return {
        "type": problem_type(status),
        "title": title,
        "status": status,
        "detail": detail or title,
        "errors": {str(k): [str(m) for m in v] for k, v in (errors or {}).items()},
    }


def problem(
    status: int,
    detail: str | None = None,
    errors: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    response = Response(
        json.dumps(problem_body(status, detail, errors), ensure_ascii=False),
        status=status,
        mimetype=MEDIA_TYPE,
    )
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="shuzhuan"'
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def default_detail(status: int) -> str:
    return {
        400: _("The request could not be understood."),
        401: _("Send a valid API token: Authorization: Bearer <token>."),
        403: _("Your account is not allowed to do this."),
        404: _("We could not find what you were looking for."),
        405: _("This URL does not accept that method."),
        413: _("The request body is larger than we accept."),
        429: _("You have tried too often. Please wait a minute and try again."),
        500: _("The error has been logged. Please try again in a moment."),
    }.get(status, str(PROBLEM_TYPES.get(status, ("", _("Error")))[1]))


class ApiProblem(Exception):
    """Raised inside the API for an answer that is not a domain error (401, 400 …)."""

    def __init__(
        self,
        status: int,
        detail: str | None = None,
        errors: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(detail or str(status))
        self.status = status
        self.detail = detail or default_detail(status)
        self.errors = errors or {}
        self.headers = headers or {}

    def response(self) -> Response:
        return problem(self.status, self.detail, self.errors, self.headers)


def is_api_path(path: str | None = None) -> bool:
    # here, not at the top: app.api (the package) imports this module before it defines
    # API_PREFIX
    from app.api import API_PREFIX

    path = request.path if path is None else path
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")
