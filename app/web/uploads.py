"""Pages that take attachments may receive bigger bodies than the rest of the site.

``MAX_CONTENT_LENGTH`` (2 MB) guards every request; a view marked with
:func:`accepts_files` gets ``ATTACHMENT_REQUEST_BYTES`` instead. The limit is set in a hook
that runs before CSRF protection reads the form, so an oversized body is refused (413)
before it is parsed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, current_app, request

from app.services.attachments import Upload

F = TypeVar("F", bound=Callable)


def accepts_files(view: F) -> F:
    view.accepts_files = True  # type: ignore[attr-defined]
    return view


def _raise_limit() -> None:
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "accepts_files", False):
        request.max_content_length = int(current_app.config["ATTACHMENT_REQUEST_BYTES"])


def init_app(app: Flask) -> None:
    """Call before CSRFProtect is bound, so this hook runs first."""
    app.before_request(_raise_limit)


def uploads_from(field: str = "files") -> list[Upload]:
    """The files sent in a form field, as the attachment service takes them."""
    return [
        Upload(filename=item.filename or "", data=item.read())
        for item in request.files.getlist(field)
        if item and item.filename
    ]
