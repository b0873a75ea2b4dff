"""Accounts and tokens: ``POST /accounts`` and ``POST /auth/token``."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _

from app.api import serialize
from app.api.core import operation
from app.api.schemas import AccountIn, AccountOut, TokenIn, TokenOut
from app.errors import InvalidInput
from app.models import Role
from app.services import accounts, recovery, tokens, vendors
from app.web.throttle import token_limits


@operation(
    "POST",
    "/accounts",
    summary="Register an SME or a vendor with its organisation",
    tag="Accounts",
    auth="none",
    body=AccountIn,
    response=AccountOut,
    status=201,
    problems=(400, 413, 422),
)
def register(body: AccountIn):
    """A vendor that gives its unified social credit code (``organisation.uscc``) is put in
    the admins' verification queue at once; it needs the code to list plug-ins. A link to
    confirm the address is mailed at once: requests for quotes and quotes need it."""
    org = body.organisation.model_dump(exclude_none=True)
    uscc = org.pop("uscc", None)
    if uscc is not None:
        if body.role != "vendor":
            message = _("Only vendors give a unified social credit code.")
            raise InvalidInput(message, {"organisation.uscc": [message]})
        try:
            uscc = vendors.check_uscc(uscc)
        except InvalidInput as exc:
            raise InvalidInput(exc.message, {"organisation.uscc": exc.errors["uscc"]}) from None
    user = accounts.register(
        email=body.email,
        password=body.password,
        name=body.name or body.email.split("@")[0],
        role=Role(body.role),
        organisation=org,
        locale=body.locale or str(request.accept_languages.best_match(["zh", "en"]) or "zh"),
    )
    if uscc is not None:
        vendors.request_verification(user, uscc)
    recovery.send_verification(user)
    return serialize.account(user)


@operation(
    "POST",
    "/auth/token",
    summary="Exchange e-mail and password for an API token",
    tag="Accounts",
    auth="none",
    body=TokenIn,
    response=TokenOut,
    status=201,
    problems=(400, 401, 403, 409, 413, 422, 429),
    idempotent=False,
    throttle=token_limits,
)
def create_token(body: TokenIn):
    """The secret is shown once; send it as ``Authorization: Bearer <token>``. It expires
    after ``API_TOKEN_DAYS`` days (30) and can be revoked on the token page. Failed attempts
    are limited like the login page's (per address and per account); ``Idempotency-Key``
    is ignored (a secret is never stored)."""
    issued = tokens.token_for_login(body.email, body.password, body.name or "")
    return TokenOut(
        token=issued.secret,
        id=issued.token.id,
        prefix=issued.token.prefix,
        expires_at=issued.token.expires_at,
    )
