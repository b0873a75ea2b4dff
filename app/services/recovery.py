"""Accounts people can recover: e-mail verification, password reset and change, e-mail change.

Each e-mailed link is an itsdangerous token signed with ``SECRET_KEY``, salted per purpose
and time-limited. Tokens are single-use because they name the state they change: a reset
token carries a fingerprint of the current password hash (a new password voids it), an
e-mail change token the current address. Answers never tell whether an address has an
account: asking for a reset says "if it exists, we sent a link" either way, and does the
same database work for unknown addresses. Nothing here commits.
"""

from __future__ import annotations

import hashlib
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app.errors import DomainError, Forbidden, InvalidInput
from app.extensions import db
from app.models import ApiToken, MailMessage, User
from app.models.base import utcnow
from app.services import accounts, audit, mailer, sessions

MIN_PASSWORD = 10
MAX_PASSWORD = 200
_VERIFY, _RESET, _CHANGE = "shuzhuan.verify-email", "shuzhuan.reset-password", "shuzhuan.email"


class InvalidLink(DomainError):
    """An e-mailed link that is forged, expired or already used (HTTP 400)."""

    status = 400


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _load(salt: str, token: str, max_age: int) -> dict[str, Any]:
    try:
        data = _serializer(salt).loads(token, max_age=max_age)
    except SignatureExpired:
        raise InvalidLink(_("This link has expired. Please ask for a new one.")) from None
    except BadSignature:
        raise InvalidLink(_("This link is not valid. Please ask for a new one.")) from None
    if not isinstance(data, dict):
        raise InvalidLink(_("This link is not valid. Please ask for a new one."))
    return data


def _user(data: dict[str, Any]) -> User:
    user = db.session.get(User, data.get("u")) if isinstance(data.get("u"), int) else None
    if user is None or not user.is_active:
        raise InvalidLink(_("This link is not valid. Please ask for a new one."))
    return user


def _fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def check_password_rules(password: str, field: str = "password") -> str:
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        message = _("Use at least 10 characters.")
        raise InvalidInput(message, {field: [message]})
    return password


# --- e-mail verification ----------------------------------------------------------------


def send_verification(user: User) -> MailMessage | None:
    """Mail ``user`` a link that confirms their address (nothing when already confirmed)."""
    if user.email_verified:
        return None
    return mailer.queue(user, "account.verify")


def verify_email(token: str) -> User:
    """Confirm the address a verification link was sent to; a second click is harmless."""
    hours = int(current_app.config["VERIFY_EMAIL_HOURS"])
    data = _load(_VERIFY, token, hours * 3600)
    user = _user(data)
    if data.get("e") != user.email:
        raise InvalidLink(_("This link is for an earlier e-mail address of your account."))
    if not user.email_verified:
        user.email_verified_at = utcnow()
        audit.record(user, "account.email_verified", user, email=user.email)
    return user


def require_verified(user: User) -> None:
    """Requests for quotes and quotes need a confirmed address (HTTP 403 otherwise)."""
    if not user.email_verified:
        raise Forbidden(
            _(
                "Please confirm your e-mail address first: follow the link we mailed to "
                "%(email)s (your profile can send it again).",
                email=user.email,
            )
        )


# --- password reset -------------------------------------------------------------------------


def request_password_reset(email: str) -> None:
    """Mail a reset link if ``email`` has an active account; say nothing either way."""
    user = db.session.scalar(sa.select(User).where(User.email == accounts.normalise_email(email)))
    if user is None or not user.is_active:
        # The same work as for a real account (a lookup and an audit row), so timing and
        # answers do not reveal which addresses are registered.
        audit.record(None, "account.reset_requested", _UnknownAccount())
        return
    mailer.queue(user, "account.reset")
    audit.record(user, "account.reset_requested", user)


class _UnknownAccount:
    """The audit subject of a reset asked for an address without an account."""

    id = None


def reset_password(token: str, password: str) -> User:
    """Set a new password from a reset link; every session and API token of the user ends."""
    minutes = int(current_app.config["RESET_PASSWORD_MINUTES"])
    data = _load(_RESET, token, minutes * 60)
    user = _user(data)
    if data.get("p") != _fingerprint(user):
        raise InvalidLink(_("This link was already used. Please ask for a new one."))
    check_password_rules(password)
    user.set_password(password)
    # Following the link proves the address too.
    user.email_verified_at = user.email_verified_at or utcnow()
    revoked = _end_sessions(user, keep_current=False)
    audit.record(user, "account.password_reset", user, tokens_revoked=revoked)
    mailer.queue(user, "account.password_changed")
    return user


def change_password(user: User, current: str, new: str) -> int:
    """Change the password on the profile; other sessions and all API tokens end.
    Returns how many API tokens were revoked."""
    if not user.check_password(current or ""):
        message = _("Your current password is not right.")
        raise InvalidInput(message, {"current_password": [message]})
    check_password_rules(new, "new_password")
    user.set_password(new)
    revoked = _end_sessions(user, keep_current=True)
    audit.record(user, "account.password_changed", user, tokens_revoked=revoked)
    mailer.queue(user, "account.password_changed")
    return revoked


# --- e-mail change ---------------------------------------------------------------------------


def request_email_change(user: User, password: str, new_email: str) -> None:
    """Mail a confirmation link to the new address; nothing changes until it is followed.

    An address that belongs to another account gets no mail, but the answer is the same,
    so the form cannot be used to find out who is registered."""
    if not user.check_password(password or ""):
        message = _("Your current password is not right.")
        raise InvalidInput(message, {"password": [message]})
    new_email = accounts.normalise_email(new_email or "")
    if new_email == user.email:
        message = _("This is already your e-mail address.")
        raise InvalidInput(message, {"email": [message]})
    audit.record(user, "account.email_change_requested", user)
    if accounts.email_taken(new_email):
        return
    mailer.queue(user, "account.email_change", to=new_email, new_email=new_email)


def confirm_email_change(token: str) -> User:
    """Switch to the new address from its confirmation link; other sessions end and the
    old address is told."""
    hours = int(current_app.config["CHANGE_EMAIL_HOURS"])
    data = _load(_CHANGE, token, hours * 3600)
    user = _user(data)
    if data.get("old") != user.email:
        raise InvalidLink(_("This link was already used. Please ask for a new one."))
    new_email = str(data.get("new") or "")
    if accounts.email_taken(new_email):
        raise DomainError(_("This e-mail address is already registered."))
    old_email = user.email
    user.email = new_email
    user.email_verified_at = utcnow()
    _end_sessions(user, keep_current=True, revoke_tokens=False)
    audit.record(user, "account.email_changed", user, old=old_email, new=new_email)
    mailer.queue(user, "account.email_changed", to=old_email, new_email=new_email)
    return user


# --- sessions ------------------------------------------------------------------------------


def _end_sessions(user: User, *, keep_current: bool, revoke_tokens: bool = True) -> int:
    """End the user's other sessions (this browser's too unless ``keep_current``) and, unless
    told not to, revoke every API token. Returns how many tokens were revoked."""
    if keep_current:
        sessions.end_other_sessions(user)
    else:
        sessions.end_all_sessions(user)
    revoked = 0
    if revoke_tokens:
        result = db.session.execute(
            sa.update(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
        revoked = result.rowcount or 0
    return revoked


# --- what the mails say -------------------------------------------------------------------


def mail_context(mail: MailMessage, user: User | None) -> dict[str, Any]:
    """Links for an account mail, signed now (tokens are never stored)."""
    if user is None:
        return {}
    if mail.kind == "account.verify":
        token = _serializer(_VERIFY).dumps({"u": user.id, "e": user.email})
        return {
            "link": mailer.external_url("auth.verify_email", token=token),
            "hours": current_app.config["VERIFY_EMAIL_HOURS"],
        }
    if mail.kind == "account.reset":
        token = _serializer(_RESET).dumps({"u": user.id, "p": _fingerprint(user)})
        return {
            "link": mailer.external_url("auth.reset_password", token=token),
            "minutes": current_app.config["RESET_PASSWORD_MINUTES"],
        }
    if mail.kind == "account.email_change":
        new = mail.params.get("new_email")
        token = _serializer(_CHANGE).dumps({"u": user.id, "old": user.email, "new": new})
        return {
            "link": mailer.external_url("auth.confirm_email", token=token),
            "new_email": new,
            "hours": current_app.config["CHANGE_EMAIL_HOURS"],
        }
    return {
        "new_email": mail.params.get("new_email"),
        "reset_url": mailer.external_url("auth.forgot_password"),
    }
