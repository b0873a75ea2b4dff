"""Domain errors and the pages every error ends on: never a stack trace for a user."""

from __future__ import annotations

import logging

from flask import Flask, current_app, g, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException

from app.extensions import db, login_manager
from app.web.throttle import retry_message

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


class Conflict(DomainError):
    """Another change won the race, or is being saved at the same moment (409)."""

    status = 409


class Unavailable(DomainError):
    """The database or another backing service cannot answer now: try again later (503)."""

    status = 503

    def __init__(self, message: str, *, retry_after: int = 10):
        super().__init__(message)
        self.retry_after = retry_after


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
        503: _("Back in a moment"),
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
        503: _(
            "The marketplace cannot reach its database right now. Nothing you sent was lost "
            "or half-saved; please try again in a few seconds."
        ),
    }


DB_RETRY_AFTER = 10  # seconds a client should wait when the database is unreachable


def render_error(status: int, message: str | None = None):
    title = _titles().get(status, _("Error"))
    body = message or _messages().get(status, "")
    return render_template("errors/error.html", status=status, title=title, message=body), status


def refuse_nul_characters():
    """No text column accepts NUL: refuse it in forms and URLs with a 400, not a 500 later."""
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "api_operation", None) is not None:
        return None  # an API operation answers with a 422 problem naming the field; the
        # API's HTML pages (the token page) are forms like any other
    values = [*request.args.items(multi=True), *request.form.items(multi=True)]
    if any("\x00" in value for _name, value in values):
        return render_error(400, _("Text may not contain NUL characters."))
    return None


def register_error_handlers(app: Flask) -> None:
    app.before_request(refuse_nul_characters)

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        rollback_quietly()
        if isinstance(exc, Unavailable):
            return unavailable_answer(exc.message, exc.retry_after)
        return render_error(exc.status, exc.message)

    @app.errorhandler(sa_exc.OperationalError)
    @app.errorhandler(sa_exc.InterfaceError)
    @app.errorhandler(sa_exc.TimeoutError)
    def database_error(exc: Exception):
        answer = database_unavailable(exc)
        return answer if answer is not None else unexpected(exc)  # a broken query: 500

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return render_error(
            400, _("Your form expired or was sent from elsewhere. Please reload and try again.")
        )

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        rollback_quietly()
        if exc.code == 429:
            return render_error(429, retry_message())
        return render_error(exc.code or 500)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        rollback_quietly()
        # here, not at the top: app.api (loaded first for app.api.problems) imports this module
        from app.api.problems import is_api_path, problem

        if is_api_path():
            return problem(500)
        return render_error(500)


def database_unavailable(exc: BaseException):
    """The 503 answer when ``exc`` says the database cannot be reached, else None."""
    # here, not at the top: app.services.transitions imports this module
    from app.services.transitions import is_unavailable

    if not is_unavailable(exc):
        return None
    log.warning("database unavailable on %s %s: %s", request.method, request.path, exc)
    rollback_quietly()
    return unavailable_answer(None, DB_RETRY_AFTER)


def unavailable_answer(message: str | None, retry_after: int):
    """503 with Retry-After: a problem for the API, a page for people.

    The page must not need the database: the signed-in user is not loaded for it (the
    navigation shows the anonymous view) and the language comes from the session or the
    browser.
    """
    # here, not at the top: app.api (loaded first for app.api.problems) imports this module
    from app.api.problems import is_api_path, problem

    headers = {"Retry-After": str(retry_after)}
    if is_api_path():
        return problem(503, message or _messages()[503], headers=headers)
    if "_login_user" not in g:
        g._login_user = login_manager.anonymous_user()
    body, status = render_error(503, message)
    return body, status, headers


def rollback_quietly() -> None:
    """Errors end the request's transaction; a broken connection is replaced by the pool."""
    try:
        db.session.rollback()
    except sa_exc.DBAPIError:
        log.warning("rollback failed on a broken connection", exc_info=True)
