"""Account forms; labels and messages go through Flask-Babel."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    URLField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    Length,
    Optional,
    ValidationError,
)

from app.forms.base import PortalForm
from app.forms.fields import RuleIntegerField
from app.i18n import choices
from app.models import fields
from app.services.accounts import email_taken

MIN_PASSWORD = 10


class LoginForm(PortalForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), *fields.EMAIL.wtf()])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Log in"))


class OrganisationFields:
    """The organisation profile, shared by registration and the profile page."""

    org_name = StringField(
        _l("Organisation name"), validators=[DataRequired(), *fields.ORG_NAME.wtf()]
    )
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


class RegisterForm(OrganisationFields, PortalForm):
    role = RadioField(
        _l("I am"),
        choices=[
            SelectChoice("sme", _l("an enterprise looking for solutions")),
            SelectChoice("vendor", _l("a vendor offering solutions")),
        ],
        default="sme",
        validators=[DataRequired()],
    )
    name = StringField(_l("Your name"), validators=[DataRequired(), *fields.PERSON_NAME.wtf()])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), *fields.EMAIL.wtf()])
    password = PasswordField(
        _l("Password"),
        validators=[
            DataRequired(),
            Length(min=MIN_PASSWORD, max=200, message=_l("Use at least 10 characters.")),
        ],
    )
    confirm = PasswordField(
        _l("Repeat password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )
    submit = SubmitField(_l("Create account"))

    def validate_email(self, field) -> None:
        if email_taken(field.data):
            raise ValidationError(_l("This e-mail address is already registered."))


class ProfileForm(OrganisationFields, PortalForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), *fields.PERSON_NAME.wtf()])
    locale = SelectField(
        _l("Language"),
        choices=[SelectChoice("zh", "中文"), SelectChoice("en", "English")],
        validators=[DataRequired()],
    )
    maturity_level = SelectField(
        _l("Digital maturity level"),
        choices=choices("maturity", blank="—"),
        coerce=lambda v: int(v) if v not in (None, "", "None") else None,
        validators=[Optional()],
    )
    website = URLField(_l("Website"), validators=[Optional(), *fields.WEBSITE.wtf()])
    contact_email = EmailField(
        _l("Contact e-mail"), validators=[Optional(), Email(), *fields.EMAIL.wtf()]
    )
    description = TextAreaField(
        _l("About the organisation"), validators=[Optional(), *fields.MESSAGE.wtf()]
    )
    submit = SubmitField(_l("Save"))


class DeleteAccountForm(PortalForm):
    password = PasswordField(
        _l("Your password"),
        validators=[DataRequired(), Length(max=200)],
        description=_l("We ask again so nobody else can delete your account from your screen."),
    )
    confirm = BooleanField(
        _l("I understand: my account and my personal data are deleted for good."),
        validators=[
            DataRequired(_l("Tick the box to confirm that you want your account deleted."))
        ],
    )
    submit = SubmitField(_l("Delete my account"))


def organisation_data(form: OrganisationFields) -> dict:
    """The organisation fields of a validated form, as the account service takes them."""
    data = {
        "name": form.org_name.data.strip(),
        "industry": form.industry.data or None,
        "region": form.region.data or None,
        "company_size": form.company_size.data or None,
        "employees": form.employees.data,
    }
    for extra in ("maturity_level", "website", "contact_email", "description"):
        if hasattr(form, extra):
            data[extra] = getattr(form, extra).data or None
    return data


def _new_password(label) -> PasswordField:
    return PasswordField(
        label,
        validators=[
            DataRequired(),
            Length(min=MIN_PASSWORD, max=200, message=_l("Use at least 10 characters.")),
        ],
    )


class ForgotPasswordForm(PortalForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    submit = SubmitField(_l("Send me a link"))


class ResetPasswordForm(PortalForm):
    password = _new_password(_l("New password"))
    confirm = PasswordField(
        _l("Repeat password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )
    submit = SubmitField(_l("Set the new password"))


class ChangePasswordForm(PortalForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=200)]
    )
    new_password = _new_password(_l("New password"))
    confirm = PasswordField(
        _l("Repeat password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The passwords differ."))],
    )
    submit = SubmitField(_l("Change password"))


class ChangeEmailForm(PortalForm):
    email = EmailField(
        _l("New e-mail address"), validators=[DataRequired(), Email(), Length(max=254)]
    )
    password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Send a confirmation link"))


class MailPreferencesForm(PortalForm):
    """One select per kind (``mode-<kind>``), drawn by the template; the service checks them."""

    submit = SubmitField(_l("Save mail preferences"))
