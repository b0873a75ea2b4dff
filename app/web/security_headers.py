"""Security headers on every response, pages and API alike, from one after-request hook.

The Content-Security-Policy allows scripts, styles, fonts and connections from this site
only: no inline ``<script>``, ``style=`` attribute or ``on…=`` handler anywhere (behaviour
lives in ``app/static/js``, looks in ``app/static/css``; a test renders the pages and checks).
``data:`` images are allowed for Bootstrap's and Swagger UI's SVG icons. No page may be
framed (``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``), so a one-click award or
suspend form cannot be clicked through an invisible frame. HSTS is sent when
``SECURITY_HSTS`` is on (production).
"""

from __future__ import annotations

from flask import Flask, current_app, g, request
from flask_login import AnonymousUserMixin
from werkzeug.wrappers import Response

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HSTS = "max-age=31536000; includeSubDomains"


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config.get("SECURITY_HSTS"):
        headers.setdefault("Strict-Transport-Security", HSTS)
    # A signed-in page is nobody else's: not kept by shared caches or the back button.
    static = request.endpoint is not None and request.endpoint.endswith("static")
    if not static and _signed_in():
        headers["Cache-Control"] = "no-store"
    return response


def _signed_in() -> bool:
    # The user this request loaded, if any; not current_user.is_authenticated, which would
    # read the row again after the request's commit expired it.
    user = g.get("_login_user")
    return user is not None and not isinstance(user, AnonymousUserMixin)


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
