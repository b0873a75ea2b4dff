"""Vendor forms: a structured quote, declining a request, withdrawing a quote, a reply."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

AMOUNT = [Optional(), NumberRange(min=0, max=1_000_000_000)]


class QuoteForm(FlaskForm):
    licence = IntegerField(_l("Licence (CNY)"), validators=AMOUNT, default=0)
    implementation = IntegerField(_l("Implementation (CNY)"), validators=AMOUNT, default=0)
    training = IntegerField(_l("Training (CNY)"), validators=AMOUNT, default=0)
    annual_fees = IntegerField(
        _l("Annual fees, first year (CNY)"),
        validators=AMOUNT,
        default=0,
        description=_l("Subscription, hosting, maintenance."),
    )
    delivery_weeks = IntegerField(
        _l("Delivery (weeks to go live)"), validators=[InputRequired(), NumberRange(min=0, max=520)]
    )
    valid_until = DateField(_l("Valid until"), validators=[DataRequired()])
    scope = TextAreaField(
        _l("Scope"),
        validators=[DataRequired(), Length(max=5000)],
        description=_l("What the price includes and what it does not; assumptions."),
    )
    submit = SubmitField(_l("Send the quote"))

    def quote_fields(self) -> dict:
        return {
            name: getattr(self, name).data
            for name in (
                "licence",
                "implementation",
                "training",
                "annual_fees",
                "delivery_weeks",
                "valid_until",
                "scope",
            )
        }


class ReviseForm(QuoteForm):
    submit = SubmitField(_l("Send the revised quote"))


class DeclineForm(FlaskForm):
    reason = TextAreaField(
        _l("Why do you decline?"),
        validators=[DataRequired(), Length(max=5000)],
        description=_l("The enterprise reads it: e.g. outside our region, not our field."),
    )
    submit = SubmitField(_l("Decline the request"))


class WithdrawForm(FlaskForm):
    reason = TextAreaField(_l("Reason (optional)"), validators=[Optional(), Length(max=5000)])
    submit = SubmitField(_l("Withdraw the quote"))


class ReplyForm(FlaskForm):
    text = TextAreaField(_l("Your reply"), validators=[DataRequired(), Length(max=5000)])
    submit = SubmitField(_l("Publish the reply"))
