"""Where a redirect may go: one check for every ``next`` a page follows.

Only a path on this site is followed: no scheme, no host, no scheme-relative ``//`` or
``/\\`` (browsers read a backslash as a slash), no control characters (CR/LF would break the
Location header), nothing absurdly long. Anything else falls back to the default target.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import redirect, request
from werkzeug.wrappers import Response

MAX_TARGET = 2000


def safe_target(target: object, default: str) -> str:
    """``target`` if it is a path on this site, else ``default``."""
    if not isinstance(target, str) or not target or len(target) > MAX_TARGET:
        return default
    if any(ord(c) < 32 or ord(c) == 127 for c in target) or "\\" in target:
        return default
    if not target.startswith("/") or target.startswith("//"):
        return default
    try:
        parts = urlsplit(target)
    except ValueError:
        return default
    if parts.scheme or parts.netloc:
        return default
    return target


def safe_next(default: str) -> str:
    """The request's ``next`` (query string, else form) when safe, else ``default``."""
    return safe_target(request.args.get("next") or request.form.get("next"), default)


def redirect_next(default: str) -> Response:
    """Redirect to the request's safe ``next`` or to ``default``."""
    return redirect(safe_next(default))
