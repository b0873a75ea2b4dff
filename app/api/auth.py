"""Bearer-token authentication: ``Authorization: Bearer <token>`` and nothing else.

The session cookie of the pages is never consulted, so a page a user has open cannot be
used to make API calls on their behalf (no CSRF through the API).
"""

from __future__ import annotations

import re

from flask import request
from flask_babel import gettext as _

from app.api.problems import ApiProblem
from app.models import User
from app.services import tokens

_HEADER_RE = re.compile(r"^Bearer ([A-Za-z0-9._~+/-]+=*)$", re.IGNORECASE)


def authenticate_request(*, required: bool) -> User | None:
    """The user of the request's bearer token; 401 when it is missing (and ``required``),
    malformed, unknown, expired, revoked or its user suspended."""
    header = request.headers.get("Authorization")
    if header is None:
        if required:
            raise ApiProblem(401, _("Send a valid API token: Authorization: Bearer <token>."))
        return None
    match = _HEADER_RE.match(header.strip())
    if match is None:
        raise ApiProblem(401, _("The Authorization header must be: Bearer <token>."))
    found = tokens.authenticate(match.group(1))
    if found is None:
        raise ApiProblem(401, _("This token is unknown, expired or revoked."))
    user, token = found
    tokens.touch(token)
    return user
