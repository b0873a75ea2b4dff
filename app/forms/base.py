"""The base of every portal form, and the one rule for how a refused form is answered.

A POST whose form is refused is answered with the page again, the user's input kept and each
message beside its field, and status 422 (Unprocessable Content): everywhere the same, so a
browser, a script and a test can tell a refusal from a success without reading the page.
Views render the page; :func:`refused_forms_are_422` sets the status after the view, for
every view, whichever field or service refused the input.
"""

from __future__ import annotations

from flask import g, has_request_context, request
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

_KEY = "portal_forms"


class PortalForm(FlaskForm):
    """A Flask-WTF form (CSRF and all) that registers itself for the 422 rule."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if has_request_context():
            g.setdefault(_KEY, []).append(self)


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
