"""The base of every portal form, and the one rule for how a refused form is answered.

A POST whose form is refused is answered with the page again, the user's input kept and each
message beside its field, and status 422 (Unprocessable Content): everywhere the same, so a
browser, a script and a test can tell a refusal from a success without reading the page.
Views render the page; :func:`refused_forms_are_422` sets the status after the view, for
every view, whichever field or service refused the input.
"""

from __future__ import annotations

from functools import lru_cache

from babel import support
from flask import g, has_request_context, request
from flask_babel import get_locale
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms.i18n import messages_path

_KEY = "portal_forms"


class PortalForm(FlaskForm):
    """A Flask-WTF form (CSRF and all) that registers itself for the 422 rule."""

    class Meta:
        def get_translations(self, form):
            # WTForms' own messages ("This field is required.") in the reader's language,
            # its catalogue read once per language (Flask-WTF reads it on every request).
            return _wtforms_translations(str(get_locale() or "zh"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if has_request_context():
            g.setdefault(_KEY, []).append(self)


@lru_cache(maxsize=8)
def _wtforms_translations(locale: str) -> support.Translations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


def refused_forms_are_422(response: Response) -> Response:
    """After-request hook: a POST answered with a page (not a redirect) while one of its
    forms carries errors gets 422 instead of 200."""
    refused = (
        request.method == "POST"
        and response.status_code == 200
        and response.mimetype == "text/html"
        and any(form.errors for form in g.get(_KEY, ()))
    )
    if refused:
        response.status_code = 422
    return response
