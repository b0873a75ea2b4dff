"""One transaction per page request, as Indico's request handler has it: views never commit.

:class:`Portal` (the app class) runs every page view through :func:`dispatch`, which hands
it to :func:`app.services.transitions.run`, the same boundary the JSON API's operations use:
commit once when the view answers with a success (any status below 400), roll back when it
answers with an error status, raises, or called :func:`discard` (a form refused by a
service and shown again). Deadlocks are retried there; a retried view starts from the
flash messages it found, so a message is never shown twice.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Response, g, request, session

from app.services import transitions

_DISCARD = "shuzhuan.discard_transaction"


class Portal(Flask):
    """The Flask app with the request-wide transaction boundary."""

    def dispatch_request(self):  # type: ignore[override]
        return dispatch(self, super().dispatch_request)


def discard() -> None:
    """Roll the request's changes back even though the page answers normally.

    A view calls this when it catches a service's refusal and shows the form again: what
    the service may have changed before it refused must not be committed.
    """
    setattr(g, _DISCARD, True)


def dispatch(app: Flask, view: Callable[[], object]):
    endpoint = request.endpoint or ""
    handler = app.view_functions.get(endpoint)
    if (
        handler is None
        or endpoint == "static"
        or endpoint.endswith(".static")
        or getattr(handler, "api_operation", None) is not None  # runs its own boundary
    ):
        return view()

    before = list(session.get("_flashes", ()))

    def restart() -> None:
        _restore_flashes(before)
        g.pop(_DISCARD, None)
        for upload in request.files.values():
            upload.stream.seek(0)

    def work() -> Response:
        return app.make_response(view())

    def keep(response: Response) -> bool:
        return response.status_code < 400 and not g.get(_DISCARD, False)

    try:
        return transitions.run(work, keep=keep, on_retry=restart)
    except BaseException:
        _restore_flashes(before)  # "saved" must not greet the user after a rollback
        raise


def _restore_flashes(before: list) -> None:
    if before:
        session["_flashes"] = list(before)
    else:
        session.pop("_flashes", None)
