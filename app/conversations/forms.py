"""Writing in a conversation and reporting it."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import MultipleFileField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from app.services.conversations import MAX_BODY


class MessageForm(FlaskForm):
    body = TextAreaField(_l("Message"), validators=[Optional(), Length(max=MAX_BODY)])
    files = MultipleFileField(
        _l("Attach files (PDF, images, office documents; up to 10 MB each)"),
        validators=[Optional()],
    )
    submit = SubmitField(_l("Send"))


class ReportForm(FlaskForm):
    reason = TextAreaField(_l("What is wrong?"), validators=[Length(max=2000)])
    submit = SubmitField(_l("Report to the platform"))
