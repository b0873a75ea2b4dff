"""The vendor's logo upload."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import SubmitField

from app.forms.base import PortalForm


class LogoForm(PortalForm):
    logo = FileField(
        _l("Logo"),
        validators=[FileRequired(_l("Choose an image file."))],
        description=_l("PNG, JPEG, WebP or GIF, at most 1 MB; it is shrunk to 256 × 256 pixels."),
    )
    submit = SubmitField(_l("Upload the logo"))


class RemoveLogoForm(PortalForm):
    submit = SubmitField(_l("Remove the logo"))
