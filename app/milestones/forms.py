"""Forms of the milestone transitions; their rules live in app.services.milestones and the
field bounds in app.models.fields."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    HiddenField,
    MultipleFileField,
    RadioField,
    SelectChoice,
    SelectField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, Optional

from app.forms.base import PortalForm
from app.forms.fields import RuleNumberField
from app.models import fields


class DeliverForm(PortalForm):
    note = TextAreaField(
        _l("What did you deliver?"),
        validators=[DataRequired(), *fields.DELIVERY_NOTE.wtf()],
        description=_l("Where the enterprise finds it and how it meets the acceptance criteria."),
    )
    files = MultipleFileField(
        _l("Attach files (PDF, images, office documents; up to 10 MB each)"),
        validators=[Optional()],
    )
    submit = SubmitField(_l("Mark delivered"))


class AcceptForm(PortalForm):
    submit = SubmitField(_l("Accept"))


class RejectForm(PortalForm):
    reason = TextAreaField(
        _l("What is missing?"),
        validators=[DataRequired(), *fields.REASON.wtf()],
        description=_l("A second rejection opens a dispute that a platform admin settles."),
    )
    submit = SubmitField(_l("Reject"))


class ResolveForm(PortalForm):
    decision = RadioField(
        _l("Decision"),
        choices=[
            SelectChoice("accept", _l("Accept the milestone as delivered")),
            SelectChoice("redeliver", _l("The vendor delivers it again")),
        ],
        validators=[DataRequired()],
    )
    reason = TextAreaField(
        _l("Reason, for both parties"), validators=[DataRequired(), *fields.REASON.wtf()]
    )
    submit = SubmitField(_l("Decide"))


class BaselineForm(PortalForm):
    """A KPI's value before the work; the KPIs offered depend on the engagement."""

    kpi = SelectField(_l("KPI"), validators=[DataRequired()], validate_choice=False)
    value = RuleNumberField(_l("Value now"), rule=fields.KPI_VALUE, required=True)
    submit = SubmitField(_l("Record the baseline"))


class AfterForm(PortalForm):
    kpi = HiddenField(validators=[DataRequired()])
    value = RuleNumberField(_l("Value after the work"), rule=fields.KPI_VALUE, required=True)
    back = HiddenField()  # "review": the form was sent from the review page
    submit = SubmitField(_l("Record"))


class CorrectForm(PortalForm):
    """A recorded value corrected: the baseline before the work began, the value after the
    work until the review (app.services.kpis says which may change)."""

    kpi = HiddenField(validators=[DataRequired()])
    which = HiddenField(
        validators=[AnyOf(("baseline", "after"), message=_l("Choose the value to correct."))]
    )
    value = RuleNumberField(_l("Corrected value"), rule=fields.KPI_VALUE, required=True)
    back = HiddenField()
    submit = SubmitField(_l("Save the correction"))
