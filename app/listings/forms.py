"""The listing form: the offering fields of a plug-in manifest, typed for the validator."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.forms.base import PortalForm
from app.forms.fields import RuleIntegerField
from app.i18n import choices
from app.models import fields

MULTI = ("capabilities", "industries", "regions", "company_sizes", "deployment", "maturity_levels")


class ListingForm(PortalForm):
    id = StringField(
        _l("Identifier"),
        description=_l(
            "Lower-case letters, digits, dots and dashes; used in the listing's address."
        ),
        validators=[DataRequired(), Length(max=80)],
    )
    name = StringField(_l("Solution name"), validators=[DataRequired(), *fields.TITLE.wtf()])
    summary = StringField(
        _l("Summary"),
        description=_l("One or two sentences buyers read in search results."),
        validators=[DataRequired(), *fields.SUMMARY.wtf()],
    )
    description = TextAreaField(_l("Description"), validators=[Optional(), *fields.LONG_TEXT.wtf()])
    lang = SelectField(
        _l("Language of the text"),
        choices=[SelectChoice("zh", "中文"), SelectChoice("en", "English")],
        validators=[DataRequired()],
    )
    capabilities = SelectMultipleField(
        _l("What it does"), choices=choices("capability"), validators=[DataRequired()]
    )
    industries = SelectMultipleField(
        _l("Industries served"), choices=choices("industry", anywhere=True)
    )
    regions = SelectMultipleField(
        _l("Provinces with on-site delivery"),
        description=_l("Choose “Nationwide or remote” when you deliver everywhere or remotely."),
        choices=choices("region", anywhere=True),
    )
    company_sizes = SelectMultipleField(_l("Company sizes"), choices=choices("size"))
    price_min = RuleIntegerField(_l("First-year cost from (CNY)"), rule=fields.AMOUNT)
    price_max = RuleIntegerField(_l("First-year cost up to (CNY)"), rule=fields.AMOUNT)
    price_model = SelectField(_l("Price model"), choices=choices("price_model", blank="—"))
    deployment = SelectMultipleField(_l("Deployment"), choices=choices("deployment"))
    delivery_weeks = RuleIntegerField(_l("Weeks to go live"), rule=fields.DELIVERY_WEEKS)
    maturity_levels = SelectMultipleField(
        _l("Digital maturity levels it suits"),
        choices=choices("maturity"),
        coerce=int,
    )
    version = StringField(
        _l("Version"), default="1.0.0", validators=[DataRequired(), Length(max=40)]
    )
    submit = SubmitField(_l("Submit for review"))

    def validate_price_max(self, field) -> None:
        low = self.price_min.data
        if low is not None and field.data is not None and low > field.data:
            raise ValidationError(_l("Must not be lower than the starting price."))

    def manifest_fields(self) -> dict[str, Any]:
        """The fields as a manifest holds them (the validator checks them again)."""
        return {
            name: field.data
            for name, field in self._fields.items()
            if name not in ("csrf_token", "submit")
        }


class UploadForm(PortalForm):
    manifest = FileField(
        _l("plugin.toml"),
        validators=[FileRequired(), FileAllowed(["toml"], _l("Upload a plugin.toml file."))],
    )
    submit = SubmitField(_l("Upload and submit for review"))
