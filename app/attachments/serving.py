"""Serving an attachment: the pages and the API send files with the same headers."""

from __future__ import annotations

from urllib.parse import quote as urlquote

from flask import Response, send_file

from app.models import Attachment
from app.services import attachments

# A downloaded file never runs script, never frames, never loads anything.
FILE_CSP = "default-src 'none'; img-src 'self'; style-src 'none'; sandbox; frame-ancestors 'none'"


def serve(attachment: Attachment, *, thumbnail: bool = False) -> Response:
    """The file (or its thumbnail) as a download that cannot act as a page of this site."""
    path = attachments.file_path(attachment, thumbnail=thumbnail)
    response = send_file(
        path,
        mimetype="image/png" if thumbnail else attachment.content_type,
        conditional=True,
        max_age=0,
    )
    disposition = "inline" if thumbnail else "attachment"
    ascii_name = attachment.filename.encode("ascii", "replace").decode().replace("?", "_")
    encoded = urlquote(attachment.filename)
    response.headers["Content-Disposition"] = (
        f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{encoded}"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = FILE_CSP
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
