"""Users and the organisations they act for (an SME, a vendor or the platform)."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from werkzeug.security import check_password_hash, generate_password_hash

from app.errors import InvalidInput
from app.extensions import db
from app.models.base import TimestampMixin, enum_column, utcnow
from app.models.fields import check_link


class Role(enum.StrEnum):
    SME = "sme"
    VENDOR = "vendor"
    ADMIN = "admin"


class UserStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"


class OrgKind(enum.StrEnum):
    SME = "sme"
    VENDOR = "vendor"
    PLATFORM = "platform"


class Verification(enum.StrEnum):
    UNVERIFIED = "unverified"
    PENDING = "pending"
    VERIFIED = "verified"
    SUSPENDED = "suspended"
    REJECTED = "rejected"  # with a reason; the vendor may correct it and ask again


class Organisation(TimestampMixin, db.Model):
    __tablename__ = "organisations"
    __table_args__ = (
        sa.CheckConstraint("employees IS NULL OR employees >= 0", name="employees_non_negative"),
        sa.CheckConstraint(
            "maturity_level IS NULL OR maturity_level BETWEEN 1 AND 4", name="maturity_level_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OrgKind] = mapped_column(enum_column(OrgKind, "org_kind"))
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str | None] = mapped_column(sa.Text)
    website: Mapped[str | None] = mapped_column(sa.String(300))
    # SME profile (a vendor may fill these too: it is where they are based)
    industry: Mapped[str | None] = mapped_column(sa.String(8))
    region: Mapped[str | None] = mapped_column(sa.String(8))
    company_size: Mapped[str | None] = mapped_column(sa.String(8))
    employees: Mapped[int | None]
    maturity_level: Mapped[int | None]
    # Vendor verification
    verification: Mapped[Verification] = mapped_column(
        enum_column(Verification, "verification"), default=Verification.UNVERIFIED
    )
    uscc: Mapped[str | None] = mapped_column(sa.String(18), unique=True)
    contact_email: Mapped[str | None] = mapped_column(sa.String(254))
    verified_at: Mapped[datetime | None]
    # Why an admin rejected or suspended the vendor, shown to the vendor (cleared on re-apply).
    verification_reason: Mapped[str | None] = mapped_column(sa.Text)
    # Second tier of verification: an admin has reviewed the business documents.
    documents_reviewed_at: Mapped[datetime | None]

    members: Mapped[list[User]] = relationship(back_populates="organisation")

    @validates("website")
    def _only_web_links(self, _key: str, value: str | None) -> str | None:
        # The last line of defence for every way in (form, API, command line, demo): a
        # javascript: or data: link would run in the browser of whoever clicks it.
        try:
            return check_link(value)
        except ValueError:
            message = _("Enter a web address starting with http:// or https://.")
            raise InvalidInput(message, {"website": [message]}) from None

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.kind} {self.name!r}>"


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased so the unique constraint means "one account per address".
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    name: Mapped[str] = mapped_column(sa.String(100))
    role: Mapped[Role] = mapped_column(enum_column(Role, "user_role"))
    status: Mapped[UserStatus] = mapped_column(
        enum_column(UserStatus, "user_status"), default=UserStatus.ACTIVE
    )
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    last_login_at: Mapped[datetime | None]
    # Set when the owner follows the link mailed to ``email``; needed to send requests for
    # quotes and to quote (app.services.recovery.require_verified).
    email_verified_at: Mapped[datetime | None]

    organisation: Mapped[Organisation | None] = relationship(back_populates="members")

    def set_password(self, password: str) -> None:
        # scrypt by default; tests configure a cheap method, hashing dominated their time.
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.status == UserStatus.ACTIVE

    def has_role(self, *roles: Role | str) -> bool:
        return self.role in roles

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    def touch_login(self) -> None:
        self.last_login_at = utcnow()

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"


class UserSession(db.Model):
    """One signed-in browser: the session cookie carries a random token whose hash is here.

    The cookie alone opens nothing: a request is signed in only while its token's row exists,
    so logging out (the row is deleted) ends every copy of that cookie, and ending a user's
    other sessions (password change, account deletion) ends them on every machine.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()


class ApiToken(db.Model):
    """A bearer token for the JSON API; only its hash is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(12))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class IdempotencyKey(db.Model):
    """The first response to a POST sent with an Idempotency-Key, replayed on retries."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (sa.UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(sa.String(200))
    method: Mapped[str] = mapped_column(sa.String(10))
    path: Mapped[str] = mapped_column(sa.String(500))
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[int]
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
