"""SME forms: a need, its cancellation, requests for quotes, an award, a review, a flag."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.forms.base import PortalForm
from app.forms.fields import RuleIntegerField
from app.i18n import choices
from app.models import fields


def _int_or_none(value):
    return int(value) if value not in (None, "", "None") else None


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _languages():
    return [
        SelectChoice("", _l("Detect from my text")),
        SelectChoice("zh", "中文"),
        SelectChoice("en", "English"),
    ]


class NeedForm(PortalForm):
    title = StringField(
        _l("Title"),
        validators=[DataRequired(), *fields.TITLE.wtf()],
        description=_l("One line, e.g. “Plan small dyeing lots without wasting a whole vat”."),
    )
    description = TextAreaField(
        _l("What is the problem?"),
        validators=[DataRequired(), *fields.LONG_TEXT.wtf()],
        description=_l(
            "Describe it in your own words, in Chinese or English: what goes wrong today, "
            "how you work now, what a good result would be."
        ),
    )
    lang = SelectField(_l("Language of the text"), choices=_languages, validators=[Optional()])
    industry = SelectField(
        _l("Industry"), choices=choices("industry", blank="—"), validators=[Optional()]
    )
    region = SelectField(
        _l("Province"), choices=choices("region", blank="—"), validators=[Optional()]
    )
    company_size = SelectField(
        _l("Company size"), choices=choices("size", blank="—"), validators=[Optional()]
    )
    employees = RuleIntegerField(_l("Employees"), rule=fields.EMPLOYEES)
    budget_max = RuleIntegerField(
        _l("First-year budget (CNY)"),
        rule=fields.BUDGET,
        description=_l("Licence, implementation and the first year's fees together."),
    )
    timeline_weeks = RuleIntegerField(
        _l("Wanted time to go live (weeks)"), rule=fields.TIMELINE_WEEKS
    )
    capabilities = CheckboxesField(
        _l("Kinds of solution"),
        choices=choices("capability"),
        validators=[Optional()],
        description=_l("Not sure? Leave them empty or let us suggest some from your text."),
    )
    maturity_level = SelectField(
        _l("Digital maturity level"),
        choices=choices("maturity", blank="—"),
        coerce=_int_or_none,
        validators=[Optional()],
    )
    suggest = SubmitField(_l("Suggest kinds of solution"))
    draft = SubmitField(_l("Save as draft"))
    submit = SubmitField(_l("Post the need"))

    def need_fields(self) -> dict:
        return {
            "title": self.title.data,
            "description": self.description.data,
            "lang": self.lang.data or None,
            "industry": self.industry.data or None,
            "region": self.region.data or None,
            "company_size": self.company_size.data or None,
            "employees": self.employees.data,
            "budget_max": self.budget_max.data,
            "timeline_weeks": self.timeline_weeks.data,
            "capabilities": list(self.capabilities.data or []),
            "maturity_level": self.maturity_level.data,
        }


class EditNeedForm(NeedForm):
    submit = SubmitField(_l("Save changes"))


class ActionForm(PortalForm):
    """A button that changes state: CSRF-protected, no fields."""

    submit = SubmitField(_l("Confirm"))


class CancelForm(PortalForm):
    reason = TextAreaField(
        _l("Why do you cancel?"), validators=[DataRequired(), *fields.REASON.wtf()]
    )
    submit = SubmitField(_l("Cancel the need"))


class RfqForm(PortalForm):
    listing_ids = CheckboxesField(_l("Plug-ins"), coerce=fields.coerce_id, choices=[])
    message = TextAreaField(
        _l("Message to the vendors"),
        validators=[DataRequired(), *fields.MESSAGE.wtf()],
        description=_l("What should the vendors know to quote: site, systems in use, deadline."),
    )
    submit = SubmitField(_l("Ask for quotes"))


STARS = [SelectChoice(str(n), "★" * n) for n in range(5, 0, -1)]


def _stars(label):
    return RadioField(label, choices=STARS, coerce=int, validators=[DataRequired()])


class ReviewForm(PortalForm):
    rating = _stars(_l("Overall"))
    quality = _stars(_l("Quality of the solution"))
    cost = _stars(_l("Value for money"))
    timeliness = _stars(_l("On time"))
    support = _stars(_l("Support"))
    text = TextAreaField(
        _l("Your review"),
        validators=[Optional(), *fields.MESSAGE.wtf()],
        description=_l("What worked, what did not, what would you tell a firm like yours?"),
    )
    show_reviewer_name = BooleanField(
        _l("Show my company's name with the review"),
        description=_l(
            "Otherwise readers see only your industry, size and province, never your name."
        ),
    )
    submit = SubmitField(_l("Publish the review"))


class FlagForm(PortalForm):
    reason = TextAreaField(
        _l("What is wrong with this review?"), validators=[DataRequired(), *fields.REASON.wtf()]
    )
    submit = SubmitField(_l("Flag for the admins"))
