"""Admin filter forms: read from the query string, no CSRF (they change nothing).

Moderation actions are small POST forms in the templates (CSRF token, a reason); the
services validate the reason, so the pages and the API refuse the same inputs."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    SearchField,
    SelectChoice,
    SelectField,
    SubmitField,
)
from wtforms.validators import Length, Optional

from app.forms.base import PortalForm
from app.forms.fields import RuleIntegerField
from app.i18n.status_labels import JOB_STATUS_LABELS, status_label
from app.models import JobStatus, ListingStatus, NeedStatus, Role, UserStatus, Verification, fields
from app.web.navigation import role_label


def _status_choices(values) -> list[SelectChoice]:
    return [SelectChoice("", _l("All"))] + [SelectChoice(str(v), status_label(v)) for v in values]


class FilterForm(PortalForm):
    """A GET form read from the query string."""

    class Meta:
        csrf = False

    submit = SubmitField(_l("Filter"))


class JobFilterForm(FilterForm):
    status = SelectField(_l("Status"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = [SelectChoice("", _l("All"))] + [
            SelectChoice(s.value, JOB_STATUS_LABELS[s.value]) for s in JobStatus
        ]


class ListingFilterForm(FilterForm):
    q = SearchField(_l("Search"), validators=[Optional(), Length(max=100)])
    status = SelectField(_l("Status"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = _status_choices(ListingStatus)


class VendorFilterForm(FilterForm):
    q = SearchField(_l("Search"), validators=[Optional(), Length(max=100)])
    status = SelectField(_l("Verification"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = _status_choices(Verification)


class NeedFilterForm(FilterForm):
    q = SearchField(_l("Title or company"), validators=[Optional(), Length(max=100)])
    status = SelectField(_l("Status"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = _status_choices(NeedStatus)


class UserFilterForm(FilterForm):
    q = SearchField(_l("Name, e-mail or organisation"), validators=[Optional(), Length(max=100)])
    role = SelectField(_l("Role"), validators=[Optional()])
    status = SelectField(_l("Status"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = [SelectChoice("", _l("All"))] + [
            SelectChoice(r.value, role_label(r)) for r in Role
        ]
        self.status.choices = _status_choices(UserStatus)


class AuditFilterForm(FilterForm):
    actor = SearchField(_l("Actor e-mail contains"), validators=[Optional(), Length(max=100)])
    action = SelectField(_l("Action"), validators=[Optional()])
    subject_type = SelectField(_l("Subject type"), validators=[Optional()])
    subject_id = RuleIntegerField(_l("Subject id"), rule=fields.RECORD_ID)
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("To"), validators=[Optional()])

    def __init__(self, *args, actions=(), subject_types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.action.choices = [SelectChoice("", _l("All"))] + [SelectChoice(a, a) for a in actions]
        self.subject_type.choices = [SelectChoice("", _l("All"))] + [
            SelectChoice(t, t) for t in subject_types
        ]
