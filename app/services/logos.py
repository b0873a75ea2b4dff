"""Vendor logos: an uploaded image is checked by its content, shrunk and stored as a PNG.

The upload is refused before decoding when it is too large in bytes, and before loading
its pixels when it is too large in pixels (a decompression bomb), so a hostile file costs
little. Whatever format arrives (PNG, JPEG, WebP, GIF), what is stored and served is a
small PNG re-encoded by Pillow: nothing of the original file reaches another browser.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from app.errors import InvalidInput
from app.extensions import db
from app.models import User, VendorLogo
from app.services import audit
from app.services.rfqs import require_vendor

MAX_UPLOAD_BYTES = 1024 * 1024  # below the request limit (MAX_CONTENT_LENGTH), so the page says why
MAX_SOURCE_PIXELS = 40_000_000  # e.g. 8000 × 5000; larger is refused, never decoded
MIN_SIDE = 32
LOGO_BOX = (256, 256)  # stored images fit in this box, aspect ratio kept
ACCEPTED_FORMATS = {"PNG", "JPEG", "WEBP", "GIF"}


@dataclass(frozen=True)
class ProcessedImage:
    data: bytes
    width: int
    height: int
    media_type: str = "image/png"

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _refuse(message: str) -> InvalidInput:
    return InvalidInput(message, {"logo": [message]})


def process_logo(data: bytes) -> ProcessedImage:
    """The logo as a PNG of at most 256 × 256 pixels, or InvalidInput saying what is wrong."""
    if not data:
        raise _refuse(_("Choose an image file."))
    if len(data) > MAX_UPLOAD_BYTES:
        raise _refuse(_("The image is larger than 1 MB."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in ACCEPTED_FORMATS:
                raise _refuse(_("Upload a PNG, JPEG, WebP or GIF image."))
            width, height = image.size
            if width * height > MAX_SOURCE_PIXELS:
                raise _refuse(_("The image has too many pixels."))
            if min(width, height) < MIN_SIDE:
                raise _refuse(_("The image is too small: use at least 32 × 32 pixels."))
            image.seek(0)  # the first frame of an animation
            image = ImageOps.exif_transpose(image)
            image = image.convert("RGBA")
            image.thumbnail(LOGO_BOX, Image.Resampling.LANCZOS)
    except InvalidInput:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refuse(_("The image has too many pixels.")) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):  # not or broken image
        raise _refuse(_("This file is not an image we can read.")) from None
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return ProcessedImage(out.getvalue(), image.width, image.height)


def set_logo(user: User, data: bytes) -> VendorLogo:
    """Replace the vendor's logo with the uploaded image."""
    org = require_vendor(user)
    processed = process_logo(data)
    logo = db.session.get(VendorLogo, org.id)
    if logo is None:
        logo = VendorLogo(organisation_id=org.id)
        db.session.add(logo)
    logo.image = processed.data
    logo.media_type = processed.media_type
    logo.width, logo.height = processed.width, processed.height
    logo.digest = processed.digest
    audit.record(user, "vendor.logo_changed", org, width=logo.width, height=logo.height)
    return logo


def remove_logo(user: User) -> None:
    org = require_vendor(user)
    logo = db.session.get(VendorLogo, org.id)
    if logo is not None:
        db.session.delete(logo)
        audit.record(user, "vendor.logo_removed", org)


def logo_for(org_id: int) -> VendorLogo | None:
    return db.session.get(VendorLogo, org_id)
