"""Sign-in throttling that counts failures only, per client address and per account.

A successful sign-in never uses up a limit, so colleagues behind one office address are not
locked out by each other; wrong passwords are counted per address (``LOGIN_RATE_LIMIT``)
and per e-mail address tried (``LOGIN_ACCOUNT_RATE_LIMIT``), so guessing one account's
password from many addresses is slowed down too. The refusal says when to try again,
read from the limit that was hit.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable

from flask import Response, current_app, request
from flask_babel import ngettext
from flask_limiter.util import get_remote_address

from app.extensions import limiter


def _address_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _account_limit() -> str:
    return current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"]


def _token_address_limit() -> str:
    config = current_app.config
    return config.get("API_TOKEN_RATE_LIMIT") or config["LOGIN_RATE_LIMIT"]


def account_key() -> str:
    """The e-mail address a sign-in tries (form field or JSON body), hashed; else the address."""
    email = request.form.get("email")
    if email is None and request.is_json:
        body = request.get_json(silent=True)
        email = body.get("email") if isinstance(body, dict) else None
    if not isinstance(email, str) or not email.strip():
        return "address:" + get_remote_address()
    return "account:" + hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


def _page_failed(response: Response) -> bool:
    # The login page redirects after a sign-in; anything else (the form again) is a failure.
    return response.status_code != 302


def _api_failed(response: Response) -> bool:
    return response.status_code in (400, 401, 403, 422)


def _failures_only(address: Callable[[], str], failed: Callable[[Response], bool]):
    def decorate(view):
        view = limiter.limit(
            _account_limit, key_func=account_key, methods=["POST"], deduct_when=failed
        )(view)
        return limiter.limit(address, methods=["POST"], deduct_when=failed)(view)

    return decorate


def login_page_limits(view):
    """The login page's limits: failed sign-ins per address and per account."""
    return _failures_only(_address_limit, _page_failed)(view)


def token_limits(view):
    """``POST /auth/token``'s limits, the same rule as the login page."""
    return _failures_only(_token_address_limit, _api_failed)(view)


def retry_after_seconds() -> int | None:
    """Seconds until the limit this request hit lets it through again."""
    current = limiter.current_limit
    if current is None:
        return None
    return max(1, math.ceil(current.reset_at - time.time()))


def retry_message() -> str:
    """ "Please try again in N minutes/seconds", from the limit that was hit."""
    seconds = retry_after_seconds()
    if seconds is None:
        return ngettext(
            "You have tried too often. Please try again in %(num)d minute.",
            "You have tried too often. Please try again in %(num)d minutes.",
            1,
        )
    if seconds < 90:
        return ngettext(
            "You have tried too often. Please try again in %(num)d second.",
            "You have tried too often. Please try again in %(num)d seconds.",
            seconds,
        )
    minutes = math.ceil(seconds / 60)
    return ngettext(
        "You have tried too often. Please try again in %(num)d minute.",
        "You have tried too often. Please try again in %(num)d minutes.",
        minutes,
    )
