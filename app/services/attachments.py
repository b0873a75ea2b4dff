"""Attachments on needs, messages, quotes and delivered milestones: checked by content, stored
outside the web root.

A file is accepted when its *content* (magic bytes, read by ``filetype``; images also decoded
by Pillow) is a PDF, an image or an office document, whatever its name says, and when it is
no bigger than ``ATTACHMENT_MAX_BYTES``. It is stored under ``ATTACHMENTS_DIR`` (default:
the instance folder's ``attachments/``) by a random key, never by its name; the name is
kept, sanitised, for display and download only. Images get a thumbnail. Files written by a
transaction that rolls back are removed again; files whose rows are gone (a deleted need,
message, quote, milestone or account: the database cascades) are removed by
:func:`sweep_orphans`, which ``flask jobs tick`` runs.

Who may read: the SME that owns the need and the vendors it asked for quotes (need files);
the two parties of the conversation (message files); the need's SME and the quoting vendor
(quote files); the engagement's SME and vendor (the files a milestone was delivered with);
platform admins always.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import unicodedata
import uuid
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import filetype
import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from PIL import Image, UnidentifiedImageError
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.errors import DomainError, InvalidInput, NotFound
from app.extensions import db
from app.models import (
    Attachment,
    Engagement,
    Message,
    Milestone,
    Need,
    NeedStatus,
    Quote,
    QuoteStatus,
    Rfq,
    Role,
    User,
)
from app.models.base import utcnow
from app.services import audit
from app.services.needs import get_for_sme
from app.services.rfqs import require_vendor

# Detected type → the extension a download gets.
ALLOWED = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "application/msword": "doc",
    "application/vnd.ms-excel": "xls",
    "application/vnd.ms-powerpoint": "ppt",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
}
IMAGES = {"image/jpeg", "image/png", "image/gif", "image/webp"}
THUMBNAIL_SIZE = (320, 320)
MAX_PIXELS = 40_000_000  # larger images are refused (decompression bombs)
MAX_PER_OWNER = 10
MAX_NAME = 120
ORPHAN_AGE = timedelta(hours=1)  # younger files may belong to a transaction still running
_WRITTEN = "shuzhuan.attachments_written"
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*;]+')


@dataclass(frozen=True)
class Upload:
    """A file as received: its bytes and the name the client gave."""

    filename: str
    data: bytes


def max_bytes() -> int:
    return int(current_app.config.get("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024))


def root() -> Path:
    folder = current_app.config.get("ATTACHMENTS_DIR") or os.path.join(
        current_app.instance_path, "attachments"
    )
    return Path(folder)


def _path(key: str) -> Path:
    return root() / key[:2] / key


# --- checking -----------------------------------------------------------------------------


def clean_filename(name: str, mime: str) -> str:
    """A display name safe in headers and on disk: no path, no control or quote
    characters, at most 120 characters, and the extension of the detected type."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    stem = _UNSAFE.sub("_", name.rsplit(".", 1)[0] if "." in name else name).strip(" ._")
    stem = stem[: MAX_NAME - 6] or "file"
    return f"{stem}.{ALLOWED[mime]}"


def detect(data: bytes) -> str:
    """The content's type if it is one we accept; InvalidInput otherwise."""
    if not data:
        raise InvalidInput(_("The file is empty."), {"files": [_("The file is empty.")]})
    if len(data) > max_bytes():
        message = _("A file may be at most %(mb)s MB.", mb=max_bytes() // (1024 * 1024))
        raise InvalidInput(message, {"files": [message]})
    kind = filetype.guess(data)
    mime = kind.mime if kind is not None else None
    if mime not in ALLOWED:
        message = _("Only PDF files, images (JPEG, PNG, GIF, WebP) and office documents.")
        raise InvalidInput(message, {"files": [message]})
    if mime in IMAGES:
        _check_image(data)
    return mime


def _check_image(data: bytes) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise ValueError("too many pixels")
                image.verify()
    except (
        UnidentifiedImageError,
        OSError,
        ValueError,
        SyntaxError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ):
        message = _("The image could not be read.")
        raise InvalidInput(message, {"files": [message]}) from None


def _thumbnail(data: bytes) -> bytes | None:
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.thumbnail(THUMBNAIL_SIZE)
            out = io.BytesIO()
            image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB").save(
                out, format="PNG"
            )
            return out.getvalue()
    except (OSError, ValueError):
        return None


# --- storing ------------------------------------------------------------------------------


def store(
    uploader: User,
    uploads: list[Upload],
    *,
    need: Need | None = None,
    message: Message | None = None,
    quote: Quote | None = None,
    milestone: Milestone | None = None,
) -> list[Attachment]:
    """Check and store ``uploads`` for one owner; the caller has checked who may attach."""
    uploads = [u for u in uploads if u.data or u.filename]
    if not uploads:
        return []
    owner = {
        "need_id": need.id if need else None,
        "message_id": message.id if message else None,
        "quote_id": quote.id if quote else None,
        "milestone_id": milestone.id if milestone else None,
    }
    column = next(getattr(Attachment, name) for name, value in owner.items() if value)
    already = db.session.scalar(
        sa.select(sa.func.count(Attachment.id)).where(
            column == next(v for v in owner.values() if v)
        )
    )
    if already + len(uploads) > MAX_PER_OWNER:
        message_text = _("At most %(n)s files each.", n=MAX_PER_OWNER)
        raise InvalidInput(message_text, {"files": [message_text]})
    checked = [(upload, detect(upload.data)) for upload in uploads]
    stored = []
    for upload, mime in checked:
        key = uuid.uuid4().hex
        _write(key, upload.data)
        thumbnail_key = None
        if mime in IMAGES:
            thumb = _thumbnail(upload.data)
            if thumb is not None:
                thumbnail_key = f"{key}-thumb"
                _write(thumbnail_key, thumb)
        attachment = Attachment(
            **owner,
            uploader_id=uploader.id,
            filename=clean_filename(upload.filename, mime),
            content_type=mime,
            size=len(upload.data),
            sha256=hashlib.sha256(upload.data).hexdigest(),
            storage_key=key,
            thumbnail_key=thumbnail_key,
        )
        db.session.add(attachment)
        stored.append(attachment)
    db.session.flush()
    return stored


def _write(key: str, data: bytes) -> None:
    path = _path(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    db.session.info.setdefault(_WRITTEN, []).append(path)


@event.listens_for(Session, "after_commit")
def _keep(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(_WRITTEN, None)


@event.listens_for(Session, "after_rollback")
def _remove_written(session: Session) -> None:
    if session.in_nested_transaction():
        return
    for path in session.info.pop(_WRITTEN, []):
        path.unlink(missing_ok=True)


def sweep_orphans(now: datetime | None = None) -> int:
    """Remove stored files no row refers to any more; returns how many were removed."""
    now = now or utcnow()
    folder = root()
    if not folder.is_dir():
        return 0
    keys = set(db.session.scalars(sa.select(Attachment.storage_key)))
    keys |= set(
        db.session.scalars(
            sa.select(Attachment.thumbnail_key).where(Attachment.thumbnail_key.is_not(None))
        )
    )
    cutoff = (now - ORPHAN_AGE).timestamp()
    removed = 0
    for path in folder.glob("*/*"):
        if path.name in keys or path.stat().st_mtime > cutoff:
            continue
        path.unlink(missing_ok=True)
        removed += 1
    return removed


# --- reading ------------------------------------------------------------------------------


def for_owner(
    *, need: Need | None = None, message_ids=None, quote_ids=None, milestone_ids=None
) -> list[Attachment]:
    query = sa.select(Attachment).order_by(Attachment.id)
    if need is not None:
        query = query.where(Attachment.need_id == need.id)
    elif message_ids is not None:
        query = query.where(Attachment.message_id.in_(list(message_ids)))
    elif quote_ids is not None:
        query = query.where(Attachment.quote_id.in_(list(quote_ids)))
    elif milestone_ids is not None:
        query = query.where(Attachment.milestone_id.in_(list(milestone_ids)))
    return list(db.session.scalars(query))


def can_read(user: User | None, attachment: Attachment) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.role == Role.ADMIN:
        return True
    org = user.organisation_id
    if attachment.need_id is not None:
        need = db.session.get(Need, attachment.need_id)
        if user.role == Role.SME:
            return need.organisation_id == org
        return (
            user.role == Role.VENDOR
            and db.session.scalar(
                sa.select(Rfq.id).where(Rfq.need_id == need.id, Rfq.vendor_id == org).limit(1)
            )
            is not None
        )
    if attachment.message_id is not None:
        rfq = db.session.get(Message, attachment.message_id).rfq
        return _party(user, rfq)
    if attachment.milestone_id is not None:
        engagement: Engagement = db.session.get(Milestone, attachment.milestone_id).engagement
        if user.role == Role.SME:
            return engagement.sme_id == org
        return user.role == Role.VENDOR and engagement.vendor_id == org
    quote = db.session.get(Quote, attachment.quote_id)
    return _party(user, quote.rfq)


def _party(user: User, rfq: Rfq) -> bool:
    if user.role == Role.SME:
        return rfq.need.organisation_id == user.organisation_id
    return user.role == Role.VENDOR and rfq.vendor_id == user.organisation_id


def get_for(user: User | None, attachment_id: int) -> Attachment:
    """An attachment ``user`` may read; anyone else's is 'not found'."""
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or not can_read(user, attachment):
        raise NotFound(_("No such file."))
    return attachment


def file_path(attachment: Attachment, *, thumbnail: bool = False) -> Path:
    key = attachment.thumbnail_key if thumbnail else attachment.storage_key
    if key is None:
        raise NotFound(_("No such file."))
    path = _path(key)
    if not path.is_file():
        raise NotFound(_("No such file."))
    return path


# --- attaching (the owners' permission checks) ----------------------------------------------


def required(uploads: list[Upload]) -> list[Upload]:
    """``uploads``, refused when there is none (attaching files means sending one)."""
    if not uploads:
        message = _("Choose at least one file.")
        raise InvalidInput(message, {"files": [message]})
    return uploads


def attach_to_need(user: User, need: Need, uploads: list[Upload]) -> list[Attachment]:
    """The SME adds specifications, photos or drawings to its own need."""
    need = get_for_sme(user, need.id)
    if need.status == NeedStatus.CANCELLED:
        raise DomainError(_("A cancelled need takes no more files."))
    stored = store(user, uploads, need=need)
    audit.record(user, "need.files_attached", need, files=[a.filename for a in stored])
    return stored


def attach_to_quote(user: User, quote: Quote, uploads: list[Upload]) -> list[Attachment]:
    """The quoting vendor adds its offer document to a live quote."""
    org = require_vendor(user)
    if quote.vendor_id != org.id:
        raise NotFound(_("No such quote."))
    if quote.status != QuoteStatus.SUBMITTED:
        raise DomainError(_("Files can be added to a submitted quote only."))
    stored = store(user, uploads, quote=quote)
    audit.record(user, "quote.files_attached", quote, files=[a.filename for a in stored])
    return stored
