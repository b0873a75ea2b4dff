"""The file outbox of Flask-Mailman's ``file`` backend, newest mail first."""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, render_template

from app.dev import bp

SEPARATOR = b"\n" + b"-" * 79 + b"\n"
LINK_RE = re.compile(r"https?://[^\s<>\"]+")
SHOWN = 50


@dataclass
class OutboxMail:
    to: str
    subject: str
    date: str
    text: str
    links: list[str]


def _mails() -> list[OutboxMail]:
    folder = Path(current_app.config["MAIL_FILE_PATH"])
    found: list[OutboxMail] = []
    files = sorted(folder.glob("*.log"), key=lambda p: p.stat().st_mtime, reverse=True)
    for path in files:
        chunks = [c for c in path.read_bytes().split(SEPARATOR) if c.strip()]
        for raw in reversed(chunks):
            message = email.message_from_bytes(raw, policy=email.policy.default)
            body = message.get_body(("plain",))
            text = body.get_content() if body is not None else ""
            found.append(
                OutboxMail(
                    to=str(message["To"]),
                    subject=str(message["Subject"]),
                    date=str(message["Date"]),
                    text=text,
                    links=LINK_RE.findall(text),
                )
            )
            if len(found) >= SHOWN:
                return found
    return found


@bp.route("/mail")
def mail():
    return render_template(
        "dev/mail.html", mails=_mails(), folder=current_app.config["MAIL_FILE_PATH"]
    )
