"""Reading the mail the portal sent: Flask-Mailman's in-memory outbox in most tests."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Flask

LINK_RE = re.compile(r"https?://[^\s<>\"]+")


def outbox(app: Flask) -> list:
    """Messages sent through the locmem backend since the test began."""
    return app.extensions["mailman"].__dict__.setdefault("outbox", [])


def mails_to(app: Flask, address: str) -> list:
    return [m for m in outbox(app) if address in m.to]


def links(message) -> list[str]:
    """The absolute links in a message's plain-text body, in order."""
    return LINK_RE.findall(message.body)


def path_of(url: str) -> str:
    """The path (and query) of an absolute link, for the test client."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def link_with(app: Flask, address: str, fragment: str) -> str:
    """The path of the newest link containing ``fragment`` mailed to ``address``."""
    for message in reversed(mails_to(app, address)):
        for url in links(message):
            if fragment in url:
                return path_of(url)
    raise AssertionError(f"no mail to {address} with a link containing {fragment!r}")


def confirm_address(client, address: str) -> None:
    """Follow the verification link mailed to ``address``, as its owner would."""
    response = client.get(link_with(client.application, address, "/auth/verify/"))
    assert response.status_code == 302, response.status_code
