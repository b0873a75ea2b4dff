"""The OpenAPI 3.1 document, built from the declared operations and their pydantic models."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from app.api.core import OPERATIONS, Operation
from app.api.idempotency import HEADER as IDEMPOTENCY_HEADER
from app.api.problems import MEDIA_TYPE, PROBLEM_BASE, PROBLEM_TYPES
from app.api.schemas import INT32_MAX, Problem

REF = "#/components/schemas/{model}"
_PARAM_RE = re.compile(r"<(?:(\w+):)?(\w+)>")
SLUG_SCHEMA = {"type": "string", "pattern": "^[a-z0-9][a-z0-9._-]{0,79}$"}
ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": INT32_MAX}

DESCRIPTION = """\
The JSON API of Shuzhuan (数转), the marketplace where SMEs' digital-transformation needs
meet vendors' plug-ins.

**Authentication.** `POST /auth/token` with e-mail and password returns a bearer token;
send it as `Authorization: Bearer <token>`. Session cookies are never accepted. Tokens
expire (30 days by default) and can be listed and revoked on the token page.

**Lists** take `?page=` (from 1) and `?per_page=` (1 to 100, default 20) and answer
`{"items": [...], "page": n, "per_page": n, "total": n}`.

**Errors** are RFC 9457 `application/problem+json`:
`{"type", "title", "status", "detail", "errors": {"field": ["message"]}}`.
401: no valid token; 403: your role may not do this; 404: no such object, or not yours;
409: not possible in the object's current state, or another change won the race (the
`detail` says what happened first); 413: body too large; 422: invalid fields (see
`errors`); 429: rate-limited; 503: the database is unreachable or too busy right now — retry
after the `Retry-After` seconds, nothing was half-saved.

**Limits of the HTTP server.** In production gunicorn (`gunicorn.conf.py`) answers before
the app sees the request, in plain text, not as a problem: 414 when the request line (method,
path and query) is longer than 8,190 bytes, 431 when there are more than 100 header fields
or one is longer than 8,190 bytes.

**Retries.** Every POST but `/auth/token` accepts an `Idempotency-Key` header (1 to 200
visible ASCII characters, e.g. a UUID): a retry with the same key and the same body
returns the first answer (with `Idempotent-Replayed: true`) and changes nothing; the same
key with another body is a 422 problem.

**Languages.** Messages follow `Accept-Language` (`zh` or `en`).
"""


def _path(rule: str) -> str:
    return _PARAM_RE.sub(lambda m: "{" + m.group(2) + "}", rule)


def _path_parameters(rule: str) -> list[dict[str, Any]]:
    params = []
    for converter, name in _PARAM_RE.findall(rule):
        schema = ID_SCHEMA if converter == "id" else SLUG_SCHEMA
        params.append({"name": name, "in": "path", "required": True, "schema": dict(schema)})
    return params


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template=REF)
    params = []
    for name, prop in schema.get("properties", {}).items():
        prop = dict(prop)
        description = prop.pop("description", None)
        prop.pop("title", None)
        param: dict[str, Any] = {"name": name, "in": "query", "required": False, "schema": prop}
        if description:
            param["description"] = description
        if prop.get("type") == "array":
            param["style"] = "form"
            param["explode"] = True
        params.append(param)
    return params


def _models() -> tuple[dict, dict[str, Any]]:
    pairs: list[tuple[type[BaseModel], str]] = [(Problem, "serialization")]
    for op in OPERATIONS:
        if op.body is not None:
            pairs.append((op.body, "validation"))
        if op.response is not None:
            pairs.append((op.response, "serialization"))
    pairs = list(dict.fromkeys(pairs))
    refs, definitions = models_json_schema(pairs, ref_template=REF)
    return refs, definitions.get("$defs", {})


def _problem_response(status: int, refs: dict) -> dict[str, Any]:
    title = str(PROBLEM_TYPES[status][1])
    return {
        "description": f"{title} ({PROBLEM_BASE}{PROBLEM_TYPES[status][0]})",
        "content": {MEDIA_TYPE: {"schema": refs[(Problem, "serialization")]}},
    }


# Answers any operation can get: from the app when the database is away, from the HTTP
# server (gunicorn's limit_request_* settings) before the app sees the request.
SHARED_RESPONSES = {"414": "UriTooLong", "431": "HeadersTooLarge", "503": "Unavailable"}


def _shared_responses(refs: dict) -> dict[str, Any]:
    plain = {"text/html": {"schema": {"type": "string"}}}
    return {
        "UriTooLong": {
            "description": _("The request line is longer than 8,190 bytes (HTTP server)."),
            "content": plain,
        },
        "HeadersTooLarge": {
            "description": _(
                "More than 100 header fields, or one longer than 8,190 bytes (HTTP server)."
            ),
            "content": plain,
        },
        "Unavailable": {
            **_problem_response(503, refs),
            "headers": {
                "Retry-After": {
                    "description": _("Seconds to wait before trying again."),
                    "schema": {"type": "integer", "minimum": 1},
                }
            },
        },
    }


def _operation(op: Operation, refs: dict) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "operationId": op.endpoint,
        "summary": op.summary,
        "tags": [op.tag],
    }
    if op.description:
        doc["description"] = op.description
    params = _path_parameters(op.rule)
    for model in op.query:
        params.extend(_query_parameters(model))
    if op.idempotent:
        params.append(
            {
                "name": IDEMPOTENCY_HEADER,
                "in": "header",
                "required": False,
                "description": _("A retry with the same key returns the first answer."),
                "schema": {"type": "string", "pattern": "^[\\x21-\\x7e]{1,200}$"},
            }
        )
    if params:
        doc["parameters"] = params
    content: dict[str, Any] = {}
    if op.body is not None:
        content["application/json"] = {"schema": refs[(op.body, "validation")]}
    if op.files:
        files = {
            "type": "object",
            "properties": {
                "files": {
                    "type": "array",
                    "items": {"type": "string", "format": "binary"},
                    "description": _("PDF, office documents or images; at most 10 per owner."),
                }
            },
        }
        parts = [refs[(op.body, "validation")], files] if op.body is not None else [files]
        content["multipart/form-data"] = {"schema": {"allOf": parts}}
    if content:
        doc["requestBody"] = {"required": op.body_required or op.files, "content": content}
    success: dict[str, Any] = {"description": op.summary}
    if op.response is not None:
        success["content"] = {"application/json": {"schema": refs[(op.response, "serialization")]}}
    elif op.media_type is not None:
        success["content"] = {op.media_type: {"schema": {"type": "string"}}}
    responses: dict[str, Any] = {str(op.status): success}
    codes = set(op.problems)
    if op.auth != "none":
        codes.add(401)
    if op.roles or op.auth == "required":
        codes.add(403)
    if "<" in op.rule:
        codes.add(404)
    if op.query or op.idempotent:
        codes.add(422)
    if op.body is not None or op.method in ("POST", "PATCH"):
        codes.update((400, 413))
    for code in sorted(codes):
        responses[str(code)] = _problem_response(code, refs)
    for code, name in SHARED_RESPONSES.items():
        responses[code] = {"$ref": f"#/components/responses/{name}"}
    doc["responses"] = responses
    if op.auth == "required":
        doc["security"] = [{"bearerAuth": []}]
    elif op.auth == "optional":
        doc["security"] = [{}, {"bearerAuth": []}]
    else:
        doc["security"] = []
    if op.roles:
        doc["x-roles"] = [str(role) for role in op.roles]
    return doc


def document() -> dict[str, Any]:
    refs, schemas = _models()
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(_path(op.rule), {})[op.method.lower()] = _operation(op, refs)
    paths["/openapi.json"] = {
        "get": {
            "operationId": "openapi",
            "summary": "This document",
            "tags": ["Docs"],
            "security": [],
            "responses": {
                "200": {
                    "description": "The OpenAPI 3.1 description of the API.",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                }
            },
        }
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Shuzhuan API", "version": "1.0.0", "description": DESCRIPTION},
        "servers": [{"url": "/api/v1"}],
        "tags": [
            {"name": name}
            for name in (
                "Accounts",
                "Plugins",
                "Needs",
                "Deals",
                "Conversations",
                "Notifications",
                "Milestones",
                "Outcomes",
                "Reviews",
                "Admin",
                "Docs",
            )
        ],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": schemas,
            "responses": _shared_responses(refs),
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A token from POST /auth/token or the token page.",
                }
            },
        },
    }
