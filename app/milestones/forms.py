"""Forms of the milestone transitions; their rules live in app.services.milestones."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length


class DeliverForm(FlaskForm):
    note = TextAreaField(
        _l("What did you deliver?"),
        validators=[DataRequired(), Length(max=2000)],
        description=_l("Where the enterprise finds it and how it meets the acceptance criteria."),
    )
    submit = SubmitField(_l("Mark delivered"))


class AcceptForm(FlaskForm):
    submit = SubmitField(_l("Accept"))


class RejectForm(FlaskForm):
    reason = TextAreaField(
        _l("What is missing?"),
        validators=[DataRequired(), Length(max=2000)],
        description=_l("A second rejection opens a dispute that a platform admin settles."),
    )
    submit = SubmitField(_l("Reject"))


class ResolveForm(FlaskForm):
    decision = RadioField(
        _l("Decision"),
        choices=[
            SelectChoice("accept", _l("Accept the milestone as delivered")),
            SelectChoice("redeliver", _l("The vendor delivers it again")),
        ],
        validators=[DataRequired()],
    )
    reason = TextAreaField(
        _l("Reason, for both parties"), validators=[DataRequired(), Length(max=2000)]
    )
    submit = SubmitField(_l("Decide"))
