"""WTForms fields and validators derived from the rules in :mod:`app.models.fields`."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, StringField
from wtforms.validators import InputRequired, Optional, ValidationError

_WHOLE = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]+)?")


class RuleCheck:
    """A WTForms validator that asks a field rule (``app.models.fields.Number`` or ``Text``)."""

    def __init__(self, rule: Any):
        self.rule = rule

    def __call__(self, form, field) -> None:
        message = self.rule.problem(field.data)
        if message is not None:
            raise ValidationError(message)


class RuleIntegerField(IntegerField):
    """A whole number checked by ``rule`` (an ``app.models.fields.Number``).

    The input is bounded *before* it is converted: a thousand digits is a field error, not
    a giant integer for a range check (WTForms' NumberRange turns it into a float and fails)
    or a database column to overflow. ASCII digits only.
    """

    def __init__(self, label=None, validators=None, *, rule, required: bool = False, **kwargs):
        chain = [InputRequired() if required else Optional(), *rule.wtf(), *(validators or [])]
        super().__init__(label, validators=chain, **kwargs)
        self.rule = rule

    def process_formdata(self, valuelist) -> None:
        if not valuelist:
            return
        raw = str(valuelist[0]).strip()
        if raw == "":
            self.data = None
            return
        self.data = None
        if not _WHOLE.fullmatch(raw):
            raise ValueError(_l("Enter a whole number."))
        if len(raw.lstrip("+-")) > self.rule.max_digits:
            raise ValueError(self.rule.message())
        self.data = int(raw)


class RuleNumberField(StringField):
    """A number with decimals checked by ``rule`` (an ``app.models.fields.Measure``); a decimal
    comma is read as a point. ASCII digits only, bounded in length before conversion."""

    def __init__(self, label=None, validators=None, *, rule, required: bool = False, **kwargs):
        chain = [InputRequired() if required else Optional(), *rule.wtf(), *(validators or [])]
        super().__init__(label, validators=chain, **kwargs)
        self.rule = rule

    def process_formdata(self, valuelist) -> None:
        if not valuelist:
            return
        raw = str(valuelist[0]).strip()
        self.data = None
        if raw == "":
            return
        if len(raw) > self.rule.max_chars or not _DECIMAL.fullmatch(raw):
            raise ValueError(_l("Enter a number."))
        value = float(raw.replace(",", "."))
        self.data = int(value) if value.is_integer() else value

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return "" if self.data is None else f"{self.data:g}"
