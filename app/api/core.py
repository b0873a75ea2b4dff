"""How every endpoint of the API runs, declared once per endpoint with :func:`operation`.

One decorator registers the Flask route and records what the OpenAPI document says about it
(:mod:`app.api.openapi` reads :data:`OPERATIONS`), then runs the request the same way for
every endpoint:

1. authenticate the bearer token (never the session cookie) and check the role;
2. parse the query string and the JSON body against their pydantic models;
3. replay the stored answer of a retried POST with the same ``Idempotency-Key``;
4. call the view, which calls the services;
5. commit once (:func:`app.services.transitions.run`, shared with the pages), or roll back
   and answer with a problem.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import Response, current_app, g, request
from flask_babel import gettext as _
from pydantic import BaseModel, ValidationError

from app.api import bp
from app.api.auth import authenticate_request
from app.api.idempotency import IdempotentRequest
from app.api.problems import ApiProblem
from app.errors import Forbidden, InvalidInput
from app.models import Role, User
from app.services import transitions
from app.web.json_limits import JsonTooLarge
from app.web.uploads import accepts_files, uploads_from


@dataclass
class Operation:
    """What the OpenAPI document says about one endpoint."""

    method: str
    rule: str
    endpoint: str
    summary: str
    tag: str
    auth: str  # "none", "optional", "required"
    roles: tuple[Role, ...] = ()
    body: type[BaseModel] | None = None
    body_required: bool = True
    query: tuple[type[BaseModel], ...] = ()
    response: type[BaseModel] | None = None
    status: int = 200
    problems: tuple[int, ...] = ()
    idempotent: bool = False
    description: str = ""
    path_params: dict[str, str] = field(default_factory=dict)
    media_type: str | None = None  # a non-JSON success body (e.g. "text/csv")
    files: bool = False  # also takes multipart/form-data: the body's fields plus "files"


OPERATIONS: list[Operation] = []


def operation(
    method: str,
    rule: str,
    *,
    summary: str,
    tag: str,
    auth: str = "required",
    roles: tuple[Role, ...] = (),
    body: type[BaseModel] | None = None,
    body_required: bool = True,
    query: tuple[type[BaseModel], ...] = (),
    response: type[BaseModel] | None = None,
    status: int = 200,
    problems: tuple[int, ...] = (),
    idempotent: bool | None = None,
    description: str = "",
    throttle: Callable[[Callable], Callable] | None = None,
    media_type: str | None = None,
    files: bool = False,
) -> Callable:
    """Declare an endpoint. The view gets the path values, ``user`` (or None), ``body`` and
    ``query`` (parsed models) as keyword arguments it names, and returns the response data
    (a dict or a response model); it never commits. ``throttle`` wraps the view in
    Flask-Limiter limits (e.g. :func:`app.web.throttle.token_limits`). With ``files`` the
    endpoint also takes multipart/form-data (the body's fields as form fields, files in
    ``files``) and the view gets them as ``uploads``; a JSON body sends no files."""
    if idempotent is None:
        idempotent = method == "POST"

    def decorator(view: Callable) -> Callable:
        endpoint = f"{tag.lower()}_{view.__name__}"
        op = Operation(
            method=method,
            rule=rule,
            endpoint=endpoint,
            summary=summary,
            tag=tag,
            auth=auth,
            roles=roles,
            body=body,
            body_required=body_required,
            query=query,
            response=response,
            status=status,
            problems=problems,
            idempotent=idempotent,
            description=description or (view.__doc__ or "").strip(),
            media_type=media_type,
            files=files,
        )
        OPERATIONS.append(op)
        wanted = set(inspect.signature(view).parameters)

        @wraps(view)
        def run(**path: Any) -> Response:
            user = _authenticate(op)
            kwargs: dict[str, Any] = dict(path)
            if "user" in wanted:
                kwargs["user"] = user
            if query:
                parsed = [_parse_query(model) for model in query]
                if "query" in wanted:
                    kwargs["query"] = parsed[0] if len(parsed) == 1 else tuple(parsed)
            raw = request.get_data(cache=True) if method in ("POST", "PATCH", "PUT") else b""
            multipart = files and request.mimetype == "multipart/form-data"
            if files:
                kwargs["uploads"] = uploads_from("files") if multipart else []
            if multipart:
                if body is not None:
                    kwargs["body"] = _validate(body, request.form.to_dict())
            elif body is not None:
                kwargs["body"] = _parse_body(body, raw, required=body_required)
            elif raw.strip() and method in ("POST", "PATCH", "PUT"):
                _parse_json(raw)  # no body is expected, but a broken one is still an error
            idem = IdempotentRequest.from_request(user, raw) if op.idempotent else None
            if idem is not None:
                replay = idem.replay()
                if replay is not None:
                    return replay

            def work() -> Response:
                response = _json(view(**kwargs), op.status, op.response)
                if idem is not None:
                    idem.store(response)
                return response

            # One transaction, committed once, deadlocks retried; a unique violation is
            # the same Idempotency-Key sent twice at once (the first answer is replayed)
            # or a constraint the services did not foresee (409).
            return transitions.run(
                work, on_integrity_error=idem.replay if idem is not None else None
            )

        view_func = run
        if throttle is not None:
            view_func = throttle(run)
        if files:
            view_func = accepts_files(view_func)  # the bigger request limit of uploads
        bp.add_url_rule(rule, endpoint=endpoint, view_func=view_func, methods=[method])
        view_func.api_operation = op
        return view_func

    return decorator


def _authenticate(op: Operation) -> User | None:
    if op.auth == "none":
        return None
    user = authenticate_request(required=op.auth == "required")
    g.api_user = user
    if user is not None and op.roles and user.role not in op.roles:
        raise Forbidden(_("Your account is not allowed to do this."))
    return user


def _json(result: Any, status: int, model: type[BaseModel] | None) -> Response:
    if isinstance(result, Response):
        return result
    if model is not None and not isinstance(result, BaseModel):
        result = model.model_validate(result)
    data = result.model_dump(mode="json") if isinstance(result, BaseModel) else result
    return Response(
        json.dumps(data, ensure_ascii=False), status=status, mimetype="application/json"
    )


def _parse_json(raw: bytes) -> Any:
    mimetype = request.mimetype or ""
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        raise ApiProblem(400, _("Send the body as JSON (Content-Type: application/json)."))
    try:
        return current_app.json.loads(raw)  # depth- and size-limited: app.web.json_limits
    except JsonTooLarge as exc:
        if exc.reason == "depth":
            detail = _("The JSON body nests deeper than %(n)s levels.", n=exc.limit)
        else:
            detail = _("The JSON body is longer than %(n)s bytes.", n=exc.limit)
        raise ApiProblem(400, detail, {"body": [detail]}) from None
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ApiProblem(400, _("The body is not valid JSON.")) from None


def _parse_body(model: type[BaseModel], raw: bytes, *, required: bool) -> BaseModel:
    if not raw.strip():
        if (
            required
            and model.model_fields
            and any(f.is_required() for f in model.model_fields.values())
        ):
            raise InvalidInput(
                _("Please correct the marked fields."), {"body": [_("A JSON body is required.")]}
            )
        data: Any = {}
    else:
        data = _parse_json(raw)
    if not isinstance(data, dict):
        raise InvalidInput(
            _("Please correct the marked fields."), {"body": [_("Send a JSON object.")]}
        )
    return _validate(model, data)


def _validate(model: type[BaseModel], data: dict) -> BaseModel:
    _refuse_nul(_nul_paths(data))
    try:
        return model.model_validate_json(json.dumps(data))
    except ValidationError as exc:
        raise InvalidInput(_("Please correct the marked fields."), field_errors(exc)) from None


def _nul_paths(value: Any, path: str = "") -> list[str]:
    """Where a JSON value holds NUL characters, which no database text column accepts."""
    if isinstance(value, str):
        return [path or "body"] if "\x00" in value else []
    if isinstance(value, dict):
        return [
            found
            for key, item in value.items()
            for found in _nul_paths(item, f"{path}.{key}" if path else str(key))
        ] + ([path or "body"] if any("\x00" in str(key) for key in value) else [])
    if isinstance(value, list):
        return [found for i, item in enumerate(value) for found in _nul_paths(item, f"{path}.{i}")]
    return []


def _refuse_nul(paths: list[str]) -> None:
    if paths:
        message = _("Text may not contain NUL characters.")
        raise InvalidInput(_("Please correct the marked fields."), {p: [message] for p in paths})


def _parse_query(model: type[BaseModel]) -> BaseModel:
    _refuse_nul([name for name, value in request.args.items(multi=True) if "\x00" in value])
    data: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if name not in request.args:
            continue
        annotation = str(info.annotation)
        data[name] = request.args.getlist(name) if "list[" in annotation else request.args[name]
    try:
        return model.model_validate(data, strict=False)
    except ValidationError as exc:
        raise InvalidInput(_("Please correct the marked fields."), field_errors(exc)) from None


_ENUM_ERRORS = {"literal_error", "enum"}


def field_errors(exc: ValidationError) -> dict[str, list[str]]:
    """Pydantic's errors as field → messages, nested locations joined by "."."""
    errors: dict[str, list[str]] = {}
    for error in exc.errors(include_url=False):
        loc = [str(part) for part in error.get("loc", ())]
        name = ".".join(loc) or "body"
        if error["type"] in _ENUM_ERRORS:
            message = _("Not a known code.")
        elif error["type"] == "extra_forbidden":
            message = _("Unknown field.")
        elif error["type"] == "missing":
            message = _("This field is required.")
        else:
            message = error.get("msg", _("Invalid value."))
        errors.setdefault(name, [])
        if message not in errors[name]:
            errors[name].append(message)
    return errors
