"""Registering accounts and organisations, editing profiles, creating admins."""

from __future__ import annotations

import secrets
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from app.errors import InvalidInput
from app.extensions import db
from app.models import Organisation, OrgKind, Role, User, Verification
from app.models.base import utcnow
from app.services import audit
from app.services.sessions import end_all_sessions, end_other_sessions
from app.services.vendors import check_uscc

__all__ = ["authenticate", "end_all_sessions", "end_other_sessions", "register"]

PROFILE_FIELDS = (
    "name",
    "description",
    "website",
    "industry",
    "region",
    "company_size",
    "employees",
    "maturity_level",
    "contact_email",
)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _dummy_hash() -> str:
    """A hash of a random password made with the configured method, once per process."""
    key = "shuzhuan.dummy_password_hash"
    if key not in current_app.extensions:
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        current_app.extensions[key] = generate_password_hash(secrets.token_hex(16), method=method)
    return current_app.extensions[key]


def authenticate(email: str, password: str) -> User | None:
    """The account these credentials open, or None; suspended accounts are returned too
    (the caller says so). An unknown address costs the same password hash as a known one,
    so response times do not tell which addresses have accounts."""
    user = db.session.scalar(sa.select(User).where(User.email == normalise_email(email or "")))
    if user is None:
        check_password_hash(_dummy_hash(), password or "")
        return None
    return user if user.check_password(password or "") else None


def email_taken(email: str) -> bool:
    return (
        db.session.scalar(sa.select(User.id).where(User.email == normalise_email(email)))
        is not None
    )


def register(
    *,
    email: str,
    password: str,
    name: str,
    role: Role,
    organisation: dict[str, Any],
    locale: str | None = None,
    verified: bool = False,
) -> User:
    """Create a user and the SME or vendor organisation they act for.

    The address is unconfirmed until its owner follows the mailed link
    (:func:`app.services.recovery.send_verification`); ``verified`` is for accounts whose
    address is known good (demo data, tests)."""
    if role not in (Role.SME, Role.VENDOR):
        raise InvalidInput(_("Choose SME or vendor."), {"role": [_("Choose SME or vendor.")]})
    if email_taken(email):
        raise InvalidInput(
            _("This e-mail address is already registered."),
            {"email": [_("This e-mail address is already registered.")]},
        )
    org = Organisation(kind=OrgKind(role.value), verification=Verification.UNVERIFIED)
    for field in PROFILE_FIELDS:
        if field in organisation:
            setattr(org, field, organisation[field] or None)
    if role == Role.VENDOR and organisation.get("uscc"):
        org.uscc = _unused_uscc(organisation["uscc"])
    user = User(
        email=normalise_email(email),
        name=name.strip(),
        role=role,
        locale=locale,
        email_verified_at=utcnow() if verified else None,
    )
    user.set_password(password)
    user.organisation = org
    db.session.add_all([org, user])
    audit.record(user, "account.registered", user, role=role.value)
    return user


def _unused_uscc(code: str) -> str:
    """A valid credit code that no other organisation has registered."""
    try:
        code = check_uscc(code)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, {"organisation.uscc": exc.errors["uscc"]}) from None
    if db.session.scalar(sa.select(Organisation.id).where(Organisation.uscc == code)):
        message = _("This unified social credit code is already registered.")
        raise InvalidInput(message, {"organisation.uscc": [message]})
    return code


def join_organisation(
    *, email: str, password: str, name: str, role: Role, uscc: str, verified: bool = False
) -> User:
    """A new member of an existing organisation, found by its credit code (demo and invites)."""
    org = db.session.scalar(sa.select(Organisation).where(Organisation.uscc == uscc))
    if org is None:
        raise InvalidInput(_("No organisation has this unified social credit code."))
    user = User(
        email=normalise_email(email),
        name=name.strip(),
        role=role,
        organisation=org,
        email_verified_at=utcnow() if verified else None,
    )
    user.set_password(password)
    db.session.add(user)
    audit.record(user, "account.registered", user, role=role.value, joined=org.id)
    return user


def update_profile(user: User, *, name: str, locale: str | None, organisation: dict) -> None:
    user.name = name.strip()
    if locale:
        user.locale = locale
    org = user.organisation
    if org is not None:
        for field in PROFILE_FIELDS:
            if field in organisation:
                setattr(org, field, organisation[field] if organisation[field] != "" else None)
    audit.record(user, "profile.updated", user)


def create_admin(email: str, password: str, name: str = "Admin") -> User:
    """An admin of the platform organisation; refuses an address already in use."""
    if email_taken(email):
        raise InvalidInput(_("This e-mail address is already registered."))
    platform = db.session.scalar(
        sa.select(Organisation).where(Organisation.kind == OrgKind.PLATFORM)
    )
    if platform is None:
        platform = Organisation(kind=OrgKind.PLATFORM, name="Shuzhuan 数转")
        db.session.add(platform)
    # An operator creates admins with an address they know: no confirmation mail.
    user = User(
        email=normalise_email(email),
        name=name,
        role=Role.ADMIN,
        organisation=platform,
        email_verified_at=utcnow(),
    )
    user.set_password(password)
    db.session.add(user)
    audit.record(None, "account.admin_created", user)
    return user
