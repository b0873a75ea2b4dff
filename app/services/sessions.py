"""Signed-in browser sessions that really end.

Flask's session is a signed cookie: deleting it in one browser leaves every copy of it valid.
So a sign-in also stores a random token's hash in ``user_sessions`` and puts the token in the
cookie; a request is signed in only while that row exists and is younger than
``SESSION_LIFETIME_DAYS``. Logging out deletes the row (every copy of the cookie is dead),
:func:`end_other_sessions` deletes all the user's other rows (password change or reset),
:func:`end_all_sessions` every row (suspension, account deletion).

Nothing here commits: the caller commits once per request, as everywhere.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, has_request_context, session
from flask_login import login_user, logout_user
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import User, UserSession
from app.models.base import utcnow

SESSION_KEY = "_sid"  # the token's key in the Flask session cookie


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _lifetime() -> timedelta:
    return timedelta(days=current_app.config.get("SESSION_LIFETIME_DAYS", 14))


def start(user: User) -> str:
    """A new session for ``user`` in this browser; call before ``login_user``."""
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(user=user, token_hash=_hash(token)))
    _purge_expired(user)
    if has_request_context():
        session[SESSION_KEY] = token
    return token


def user_for(user_id: int) -> User | None:
    """The user this request's cookie signs in, if its session is still alive."""
    token = session.get(SESSION_KEY) if has_request_context() else None
    if not isinstance(token, str) or not token:
        return None
    # One statement per request: the live session, its user and the user's organisation.
    return db.session.scalar(
        sa.select(User)
        .join(UserSession, UserSession.user_id == User.id)
        .where(
            UserSession.token_hash == _hash(token),
            UserSession.user_id == user_id,
            UserSession.created_at > utcnow() - _lifetime(),
        )
        .options(joinedload(User.organisation))
    )


def end_current() -> None:
    """Log this browser out: every copy of its cookie stops working."""
    token = session.pop(SESSION_KEY, None) if has_request_context() else None
    if isinstance(token, str):
        db.session.execute(sa.delete(UserSession).where(UserSession.token_hash == _hash(token)))


def end_other_sessions(user: User) -> int:
    """End every session of ``user`` except this browser's (if it is theirs); how many ended.

    The one function to call when a password changes or is reset: a thief's copy of a cookie,
    or a forgotten sign-in on a shared computer, stops working at once.
    """
    keep = session.get(SESSION_KEY) if has_request_context() else None
    query = sa.delete(UserSession).where(UserSession.user_id == user.id)
    if isinstance(keep, str):
        query = query.where(UserSession.token_hash != _hash(keep))
    return db.session.execute(query).rowcount or 0


def end_all_sessions(user: User) -> int:
    """End every session of ``user``, this browser's too (suspension, account deletion)."""
    return (
        db.session.execute(sa.delete(UserSession).where(UserSession.user_id == user.id)).rowcount
        or 0
    )


def active_count(user: User) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count(UserSession.id)).where(
                UserSession.user_id == user.id,
                UserSession.created_at > utcnow() - _lifetime(),
            )
        )
        or 0
    )


def _purge_expired(user: User) -> None:
    db.session.execute(
        sa.delete(UserSession).where(
            UserSession.user_id == user.id, UserSession.created_at <= utcnow() - _lifetime()
        )
    )


def sign_in(user: User) -> None:
    """Sign ``user`` in in this browser: a fresh session row, then Flask-Login's cookie."""
    if has_request_context():
        end_current()  # a browser holds one session at a time
    start(user)
    login_user(user)


def sign_out() -> None:
    """Sign this browser out and kill its session row, so no copy of the cookie survives."""
    end_current()
    logout_user()
