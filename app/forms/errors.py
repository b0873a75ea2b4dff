"""A service's InvalidInput shown on a form: each message next to its field."""

from __future__ import annotations

from flask import flash
from flask_wtf import FlaskForm

from app.errors import InvalidInput
from app.web.boundary import discard
from plugins.manifest import FILE  # the key of a problem with an uploaded file as a whole


def show_errors(form: FlaskForm, exc: InvalidInput) -> None:
    """Messages for the form's fields go next to them; the others on top of the form.

    The request's changes are rolled back: the service refused the operation."""
    discard()
    for name, messages in exc.errors.items():
        field = form._fields.get(name)
        if field is not None:
            field.errors = [*field.errors, *messages]
        else:
            for message in messages:
                flash(message if name == FILE else f"{name}: {message}", "danger")
    if not exc.errors:
        flash(exc.message, "danger")
