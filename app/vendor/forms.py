"""Vendor forms: a structured quote, declining a request, withdrawing a quote, a reply."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, FieldList, Form, FormField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Optional

from app.forms.base import PortalForm
from app.forms.fields import RuleIntegerField
from app.models import fields

MILESTONE_ROWS = 4  # rows offered on the form; blank ones are ignored


class MilestoneRow(Form):
    """One proposed milestone; the rules (shares add up to 100 %, …) are the service's."""

    name = StringField(_l("Milestone"), validators=[Optional(), *fields.MILESTONE_NAME.wtf()])
    share_pct = RuleIntegerField(_l("Share of the price (%)"), rule=fields.MILESTONE_SHARE)
    due_week = RuleIntegerField(_l("Due in week"), rule=fields.MILESTONE_DUE_WEEK)
    criteria = TextAreaField(
        _l("Acceptance criteria"), validators=[Optional(), *fields.ACCEPTANCE_CRITERIA.wtf()]
    )


def _amount(label, **kwargs) -> RuleIntegerField:
    return RuleIntegerField(label, rule=fields.AMOUNT, default=0, **kwargs)


class QuoteForm(PortalForm):
    licence = _amount(_l("Licence (CNY)"))
    implementation = _amount(_l("Implementation (CNY)"))
    training = _amount(_l("Training (CNY)"))
    annual_fees = _amount(
        _l("Annual fees, first year (CNY)"),
        description=_l("Subscription, hosting, maintenance."),
    )
    delivery_weeks = RuleIntegerField(
        _l("Delivery (weeks to go live)"), rule=fields.DELIVERY_WEEKS, required=True
    )
    valid_until = DateField(_l("Valid until"), validators=[DataRequired()])
    scope = TextAreaField(
        _l("Scope"),
        validators=[DataRequired(), *fields.MESSAGE.wtf()],
        description=_l("What the price includes and what it does not; assumptions."),
    )
    milestones = FieldList(FormField(MilestoneRow), min_entries=MILESTONE_ROWS)
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


class DeclineForm(PortalForm):
    reason = TextAreaField(
        _l("Why do you decline?"),
        validators=[DataRequired(), *fields.REASON.wtf()],
        description=_l("The enterprise reads it: e.g. outside our region, not our field."),
    )
    submit = SubmitField(_l("Decline the request"))


class WithdrawForm(PortalForm):
    reason = TextAreaField(_l("Reason (optional)"), validators=[Optional(), *fields.REASON.wtf()])
    submit = SubmitField(_l("Withdraw the quote"))


class ReplyForm(PortalForm):
    text = TextAreaField(_l("Your reply"), validators=[DataRequired(), *fields.MESSAGE.wtf()])
    submit = SubmitField(_l("Publish the reply"))
