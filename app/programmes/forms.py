"""Forms of the programme pages: a programme (admin), choosing one for a need, accepting a
proposed need. The questionnaire's radio buttons come from its edition file, so its form
carries only the CSRF token and the service validates the answers."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from app.forms.base import PortalForm
from app.forms.fields import RuleIntegerField
from app.i18n import choices, code_label
from app.models import fields
from app.needs.forms import CheckboxesField, _int_or_none


def _parts():
    return [
        SelectChoice("licence", _l("Licence")),
        SelectChoice("implementation", _l("Implementation")),
        SelectChoice("training", _l("Training")),
        SelectChoice("annual_fees", _l("Annual fees")),
    ]


class ProgrammeForm(PortalForm):
    name_zh = StringField(_l("Name in Chinese"), validators=[DataRequired(), Length(max=200)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=200)])
    sponsor = StringField(
        _l("Run by"),
        validators=[Optional(), Length(max=200)],
        description=_l("e.g. a city's SME service centre or an industry association."),
    )
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    regions = CheckboxesField(
        _l("Provinces"), choices=choices("region"), description=_l("None ticked: any.")
    )
    industries = CheckboxesField(
        _l("Industries"), choices=choices("industry"), description=_l("None ticked: any.")
    )
    company_sizes = CheckboxesField(
        _l("Company sizes"), choices=choices("size"), description=_l("None ticked: any.")
    )
    capabilities = CheckboxesField(
        _l("Eligible kinds of solution"),
        choices=choices("capability"),
        description=_l("None ticked: any."),
    )
    eligible_parts = CheckboxesField(
        _l("Eligible cost"),
        choices=_parts,
        description=_l("The price parts the share applies to. None ticked: all."),
    )
    share_percent = RuleIntegerField(
        _l("Share of eligible cost (%)"), rule=fields.SHARE_PERCENT, required=True
    )
    cap_per_sme = RuleIntegerField(
        _l("Cap per enterprise (CNY)"), rule=fields.POSITIVE_AMOUNT, required=True
    )
    budget_total = RuleIntegerField(
        _l("Budget of the whole programme (CNY)"), rule=fields.POSITIVE_AMOUNT, required=True
    )
    starts_on = DateField(_l("Valid from"), validators=[DataRequired()])
    ends_on = DateField(_l("Valid until"), validators=[DataRequired()])
    require_verified_vendor = BooleanField(_l("Only verified vendors"), default=True)
    require_listed_solution = BooleanField(
        _l("Only solutions listed in the catalogue"), default=True
    )
    min_maturity_after = SelectField(
        _l("Maturity level to reach after the project"),
        choices=choices("maturity", blank="—"),
        coerce=_int_or_none,
        validators=[Optional()],
    )
    submit = SubmitField(_l("Save the programme"))

    def values(self) -> dict:
        return {
            name: self[name].data for name in self._fields if name not in ("csrf_token", "submit")
        }


class ChooseProgrammeForm(PortalForm):
    programme_id = RuleIntegerField(rule=fields.RECORD_ID, required=True)
    budget_after_subsidy = BooleanField(
        _l("Judge budget fit by the price after subsidy"),
        description=_l("Matches may then cost more than your budget, as long as your share fits."),
    )
    submit = SubmitField(_l("Apply with this programme"))


class AcceptProposalForm(PortalForm):
    budget_max = RuleIntegerField(_l("First-year budget (CNY)"), rule=fields.BUDGET)
    submit = SubmitField(_l("Post this need"))


class AssessmentForm(PortalForm):
    """CSRF only: the answers are validated against the edition by the service."""

    submit = SubmitField(_l("See my result"))


def _sizes():
    return [SelectChoice(code, code_label("size", code)) for code in ("micro", "small", "medium")]


class PoolMemberForm(PortalForm):
    company_size = SelectField(_l("Company size"), choices=_sizes, validators=[DataRequired()])
    sites = RuleIntegerField(
        _l("Sites"),
        default=1,
        rule=fields.SITES,
        required=True,
        description=_l("Plants or workshops the solution is for."),
    )
    submit = SubmitField(_l("Join the pool"))


class PoolForm(PoolMemberForm):
    title = StringField(
        _l("Title"),
        validators=[DataRequired(), Length(max=200)],
        description=_l("e.g. “Keqiao dyeing mills: scheduling for small lots”."),
    )
    description = TextAreaField(
        _l("What do the members need?"), validators=[DataRequired(), Length(max=20000)]
    )
    budget_max = RuleIntegerField(_l("First-year budget per member (CNY)"), rule=fields.BUDGET)
    timeline_weeks = RuleIntegerField(
        _l("Wanted time to go live (weeks)"), rule=fields.TIMELINE_WEEKS
    )
    capabilities = CheckboxesField(
        _l("Kinds of solution"), choices=choices("capability"), validators=[Optional()]
    )
    submit = SubmitField(_l("Open the pool"))

    def need_fields(self) -> dict:
        return {
            "title": self.title.data,
            "description": self.description.data,
            "budget_max": self.budget_max.data,
            "timeline_weeks": self.timeline_weeks.data,
            "capabilities": list(self.capabilities.data or []),
        }


class TiersForm(PortalForm):
    """Up to three volume tiers; empty rows are ignored."""

    min_members_1 = RuleIntegerField(_l("From members"), rule=fields.SITES)
    price_1 = RuleIntegerField(_l("Price per member (CNY)"), rule=fields.AMOUNT)
    min_members_2 = RuleIntegerField(_l("From members"), rule=fields.SITES)
    price_2 = RuleIntegerField(_l("Price per member (CNY)"), rule=fields.AMOUNT)
    min_members_3 = RuleIntegerField(_l("From members"), rule=fields.SITES)
    price_3 = RuleIntegerField(_l("Price per member (CNY)"), rule=fields.AMOUNT)
    submit = SubmitField(_l("Save the volume tiers"))

    def tiers(self) -> list[dict]:
        rows = []
        for i in (1, 2, 3):
            low, price = self[f"min_members_{i}"].data, self[f"price_{i}"].data
            if low is not None or price is not None:
                rows.append({"min_members": low, "price": price})
        return rows
