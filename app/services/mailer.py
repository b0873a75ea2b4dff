"""E-mail: a mail is queued in the transaction that causes it and delivered after it, once.

:func:`queue` writes a :class:`~app.models.MailMessage` row (recipient, kind, parameters,
a unique ``dedupe_key``) and, in the same transaction, a ``deliver_mail`` outbox job
(:mod:`app.jobs`): the mail is never lost, and retried with backoff while the server fails.
:func:`deliver` renders it in the recipient's language at sending time (so signed links are
fresh and never stored), sends it through Flask-Mailman and marks it sent; a mail already sent
is skipped, and a failing server raises so the job is retried. Every mail carries a signed one-click
unsubscribe link and the matching ``List-Unsubscribe`` headers (RFC 8058).
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_mailman import EmailMultiAlternatives

from app.extensions import db
from app.extensions import mail as mailman
from app.i18n import locale_of
from app.jobs.outbox import post
from app.models import MailMessage, MailStatus, Notification, User
from app.models.base import utcnow
from app.notifications.messages import render, subject_for
from app.services import preferences

log = logging.getLogger("app.mail")

ALL_KINDS = "*"  # an unsubscribe token for every notification mail


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute link to ``endpoint`` under ``BASE_URL``, built without a request."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http"
    )
    return adapter.build(endpoint, values, force_external=True)


def queue(
    user: User | None,
    kind: str,
    *,
    to: str | None = None,
    dedupe_key: str | None = None,
    **params: Any,
) -> MailMessage:
    """Write a mail of ``kind`` for ``user`` (to ``to``, default their address) and schedule
    its delivery after the current transaction commits."""
    if to is None and user is None:
        raise ValueError("a mail needs a recipient")
    mail = MailMessage(
        user_id=user.id if user is not None else None,
        kind=kind,
        to=to or user.email,
        params=params,
        dedupe_key=dedupe_key or f"{kind}:{uuid.uuid4().hex}",
    )
    db.session.add(mail)
    db.session.flush()
    post("deliver_mail", {"mail_id": mail.id}, dedupe_key=f"mail:{mail.id}")
    return mail


def existing(dedupe_key: str) -> MailMessage | None:
    return db.session.scalar(sa.select(MailMessage).where(MailMessage.dedupe_key == dedupe_key))


def deliver(mail_id: int) -> bool:
    """Send mail ``mail_id`` unless it was sent already; True when it went out now.

    Raises when the server refuses or cannot be reached: the job is retried and the mail
    stays pending. Commits the "sent" mark at once, so a retry never sends it again.
    """
    mail = db.session.get(MailMessage, mail_id, with_for_update=True)
    if mail is None or mail.status == MailStatus.SENT:
        db.session.rollback()
        return False
    message = compose(mail)
    attempts, kind, to = mail.attempts + 1, mail.kind, mail.to
    try:
        message.send()
    finally:
        _close(message.connection)
    _record_sent(mail_id, attempts)
    log.info("mail %s (%s) sent to %s", mail_id, kind, to)
    return True


# Seconds between tries of recording a sent mail: a few, well inside a job's lease.
RECORD_RETRIES = (0.2, 1.0, 2.0)


def _record_sent(mail_id: int, attempts: int) -> None:
    """Mark the mail sent, first in the transaction that holds its row (PostgreSQL's lock
    through the send); the mail is out, so if that fails (on SQLite a burst of writers can
    outlast the busy timeout) it is recorded in fresh transactions whose only statement is
    the write, or the job's retry would send it again."""
    for pause in (*RECORD_RETRIES, None):
        try:
            db.session.execute(  # a commit that landed but answered with an error counts once
                sa.update(MailMessage)
                .where(MailMessage.id == mail_id, MailMessage.status != MailStatus.SENT)
                .values(status=MailStatus.SENT, sent_at=utcnow(), attempts=attempts)
            )
            db.session.commit()
            return
        except sa.exc.OperationalError:
            db.session.rollback()
            if pause is None:
                raise  # the database is gone: the job's retry may send this mail again
            log.warning("mail %s sent, not yet recorded: retrying in %s s", mail_id, pause)
            time.sleep(pause)


def _close(connection) -> None:
    """Close the SMTP connection even when sending failed (the backend leaves it open)."""
    try:
        connection.close()
    except Exception:  # the server is gone already: nothing left to close
        log.debug("closing the mail connection failed", exc_info=True)


@dataclass
class Rendered:
    subject: str
    text: str
    html: str


def compose(mail: MailMessage) -> EmailMultiAlternatives:
    """The mail as it goes out: subject, text and HTML in the recipient's language."""
    user = mail.user
    with force_locale(locale_of(user)):
        rendered = _render(mail, user)
    unsubscribe = _unsubscribe_url(mail, user)
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "shuzhuan.example"
    digest = hashlib.sha256(mail.dedupe_key.encode()).hexdigest()[:16]
    headers = {
        # Stable per mail: a receiving server that sees it twice can tell it is one mail.
        # (not email.utils.make_msgid, which adds the time and a random number)
        "Message-ID": f"<mail{mail.id}.{digest}@{host}>",
        "Auto-Submitted": "auto-generated",
    }
    if unsubscribe:
        headers["List-Unsubscribe"] = f"<{unsubscribe}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        from_email=current_app.config["MAIL_DEFAULT_SENDER"],
        to=[mail.to],
        headers=headers,
        connection=mailman.get_connection(),
    )
    message.attach_alternative(rendered.html, "text/html")
    return message


def _unsubscribe_url(mail: MailMessage, user: User | None) -> str | None:
    if user is None:
        return None
    kind = mail.params.get("kind") if mail.kind == "notification" else ALL_KINDS
    return external_url(
        "notifications.unsubscribe", token=preferences.unsubscribe_token(user, kind)
    )


def _render(mail: MailMessage, user: User | None) -> Rendered:
    context: dict[str, Any] = {
        "user": user,
        "mail": mail,
        "site_url": external_url("main.index"),
        "preferences_url": external_url("auth.profile") + "#mail",
        "unsubscribe_url": _unsubscribe_url(mail, user),
    }
    builder = _BUILDERS.get(mail.kind)
    if builder is None:
        raise LookupError(f"no mail template for {mail.kind!r}")
    subject, template, extra = builder(mail, user)
    context.update(extra)
    context["subject"] = subject
    return Rendered(
        subject=subject,
        text=render_template(f"mail/{template}.txt", **context),
        html=render_template(f"mail/{template}.html", **context),
    )


def _notification(mail: MailMessage, user: User | None):
    notification = db.session.get(Notification, mail.params["notification_id"])
    text = render(notification) if notification else ""
    link = _absolute(notification.link if notification else None)
    return subject_for(notification), "notification", {"text": text, "link": link}


def _digest(mail: MailMessage, user: User | None):
    rows = list(
        db.session.scalars(
            sa.select(Notification)
            .where(Notification.id.in_(mail.params.get("notification_ids", [])))
            .order_by(Notification.created_at, Notification.id)
        )
    )
    items = [{"text": render(n), "link": _absolute(n.link)} for n in rows]
    subject = ngettext(
        "Shuzhuan: %(num)d update of the day", "Shuzhuan: %(num)d updates of the day", len(items)
    )
    return subject, "digest", {"items": items}


def _account(template: str, subject: Any):
    def build(mail: MailMessage, user: User | None):
        # here, not at the top: app.services.recovery imports this module
        from app.services import recovery

        return str(subject()), template, recovery.mail_context(mail, user)

    return build


def _absolute(link: str | None) -> str:
    base = current_app.config["BASE_URL"].rstrip("/")
    if link and link.startswith("/") and not link.startswith("//"):
        return base + link
    return base + "/notifications/"


_BUILDERS = {
    "notification": _notification,
    "digest": _digest,
    "account.verify": _account("verify", lambda: _("Confirm your e-mail address for Shuzhuan")),
    "account.reset": _account("reset", lambda: _("Reset your Shuzhuan password")),
    "account.email_change": _account(
        "email_change", lambda: _("Confirm your new e-mail address for Shuzhuan")
    ),
    "account.password_changed": _account(
        "password_changed", lambda: _("Your Shuzhuan password was changed")
    ),
    "account.email_changed": _account(
        "email_changed", lambda: _("The e-mail address of your Shuzhuan account was changed")
    ),
}
MAIL_KINDS = frozenset(_BUILDERS)
