"""Domain errors and the pages every error ends on: never a stack trace for a user."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

log = logging.getLogger("app.errors")


class DomainError(Exception):
    """An operation the rules forbid; ``status`` is the HTTP code the page answers with."""

    status = 409

    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


class Forbidden(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404


class InvalidInput(DomainError):
    status = 422

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.errors = errors or {}


def _titles() -> dict[int, str]:
    return {
        400: _("Bad request"),
        403: _("Not allowed"),
        404: _("Page not found"),
        405: _("Method not allowed"),
        409: _("That cannot be done now"),
        413: _("Upload too large"),
        422: _("Please check your input"),
        429: _("Too many requests"),
        500: _("Something went wrong on our side"),
    }


def _messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood. Please go back and try again."),
        403: _("Your account is not allowed to open this page."),
        404: _("We could not find what you were looking for."),
        405: _("This page cannot be used that way."),
        413: _("The file or form you sent is larger than we accept (2 MB)."),
        429: _("You have tried too often. Please wait a minute and try again."),
        500: _("The error has been logged. Please try again in a moment."),
    }


def render_error(status: int, message: str | None = None):
    title = _titles().get(status, _("Error"))
    body = message or _messages().get(status, "")
    return render_template("errors/error.html", status=status, title=title, message=body), status


def refuse_nul_characters():
    """No text column accepts NUL: refuse it in forms and URLs with a 400, not a 500 later."""
    if request.path.startswith("/api/"):
        return None  # the API answers with a 422 problem naming the field
    values = [*request.args.values(), *request.form.values()] if request.method else []
    if any("\x00" in value for value in values):
        return render_error(400, _("Text may not contain NUL characters."))
    return None


def register_error_handlers(app: Flask) -> None:
    app.before_request(refuse_nul_characters)

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        return render_error(exc.status, exc.message)

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return render_error(
            400, _("Your form expired or was sent from elsewhere. Please reload and try again.")
        )

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if exc.code == 429:
            from app.throttle import retry_message

            return render_error(429, retry_message())
        return render_error(exc.code or 500)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        from app.extensions import db

        db.session.rollback()
        return render_error(500)
