"""API tokens: bearer secrets for the JSON API, shown once, stored only as a sha256 hash.

A token is ``szt_`` plus 43 random URL-safe characters. The database keeps its sha256 hex
digest and a short prefix to recognise it in lists; it expires (``API_TOKEN_DAYS``, 30 by
default), can be revoked, and stops working while its user is suspended. Nothing here
commits except :func:`touch`, which records use outside the caller's transaction.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from app.errors import DomainError, InvalidInput, NotFound
from app.extensions import db
from app.models import ApiToken, User, UserStatus
from app.models.base import utcnow
from app.services import accounts, audit

TOKEN_PREFIX = "szt_"
PREFIX_LENGTH = 12  # what lists show: "szt_" and 8 characters of the secret
MAX_NAME = 100
MAX_ACTIVE_TOKENS = 20  # per user: enough for scripts, too few to hoard
TOKEN_RE = re.compile(r"^szt_[A-Za-z0-9_-]{20,100}$")
TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is precise to a minute, not a write per call


class InvalidCredentials(DomainError):
    """Wrong e-mail or password (HTTP 401)."""

    status = 401


@dataclass(frozen=True)
class IssuedToken:
    """A new token; ``secret`` exists only here and in the response that shows it once."""

    token: ApiToken
    secret: str


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def token_days() -> int:
    return int(current_app.config.get("API_TOKEN_DAYS", 30))


def active_tokens(user: User, now: datetime | None = None) -> list[ApiToken]:
    now = now or utcnow()
    return list(
        db.session.scalars(
            sa.select(ApiToken)
            .where(
                ApiToken.user_id == user.id,
                ApiToken.revoked_at.is_(None),
                ApiToken.expires_at > now,
            )
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def list_tokens(user: User) -> list[ApiToken]:
    """The user's tokens, newest first, expired and revoked ones included (for the record)."""
    return list(
        db.session.scalars(
            sa.select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def create_token(user: User, name: str = "", *, days: int | None = None) -> IssuedToken:
    """A new token for ``user``; the secret is returned once and never stored."""
    if user.status != UserStatus.ACTIVE:
        raise DomainError(_("This account is suspended. Please contact the platform."), status=403)
    name = (name or "").strip() or "API"
    if len(name) > MAX_NAME:
        message = _("At most %(n)s characters.", n=MAX_NAME)
        raise InvalidInput(message, {"name": [message]})
    if len(active_tokens(user)) >= MAX_ACTIVE_TOKENS:
        raise DomainError(_("You have %(n)s active tokens; revoke one first.", n=MAX_ACTIVE_TOKENS))
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    token = ApiToken(
        user_id=user.id,
        name=name,
        token_hash=hash_secret(secret),
        prefix=secret[:PREFIX_LENGTH],
        created_at=now,
        expires_at=now + timedelta(days=days or token_days()),
    )
    db.session.add(token)
    audit.record(user, "token.created", token, prefix=token.prefix, name=name)
    return IssuedToken(token, secret)


def token_for_login(email: str, password: str, name: str = "") -> IssuedToken:
    """``POST /auth/token``: the same checks as the login page, then a new token."""
    user = accounts.authenticate(email, password)
    if user is None:
        raise InvalidCredentials(_("Wrong e-mail or password."))
    if not user.is_active:
        raise DomainError(_("This account is suspended. Please contact the platform."), status=403)
    return create_token(user, name)


def authenticate(secret: str, now: datetime | None = None) -> tuple[User, ApiToken] | None:
    """The active user and token for a bearer secret, or None (unknown, expired, revoked,
    suspended user)."""
    if not TOKEN_RE.match(secret or ""):
        return None
    now = now or utcnow()
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == hash_secret(secret)))
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        return None
    user = token.user
    if user is None or user.status != UserStatus.ACTIVE:
        return None
    return user, token


def touch(token: ApiToken, now: datetime | None = None) -> None:
    """Record that ``token`` was used, at most once a minute, in its own small commit."""
    now = now or utcnow()
    if token.last_used_at is not None and now - token.last_used_at < TOUCH_EVERY:
        return
    db.session.execute(sa.update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
    db.session.commit()


def revoke(user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens; anyone else's is 'not found'."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound(_("No such token."))
    if token.revoked_at is not None:
        raise DomainError(_("This token is already revoked."))
    token.revoked_at = utcnow()
    audit.record(user, "token.revoked", token, prefix=token.prefix)
    return token


def token_state(token: ApiToken, now: datetime | None = None) -> str:
    """ "active", "expired" or "revoked", for lists."""
    now = now or utcnow()
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at <= now:
        return "expired"
    return "active"
