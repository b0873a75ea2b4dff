"""``Idempotency-Key`` for POSTs: a retry with the same key gets the first answer again.

Keys are scoped per user (anonymous requests, i.e. ``POST /accounts``, share the scope of
"no user"). The first successful (2xx) answer is stored with a hash of the request (method,
path and body) in the same transaction as what the request created; a retry with the same
key and the same request replays it with ``Idempotent-Replayed: true`` and creates nothing;
the same key with a different request is a 422 problem. Failed requests store nothing, so
they may be retried with the same key. Keys are kept ``IDEMPOTENCY_KEY_DAYS`` (1 by
default) and are then forgotten: the first request after that with an expired key
replaces it.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import Response, current_app, request
from flask_babel import gettext as _

from app.api.problems import ApiProblem
from app.extensions import db
from app.models import IdempotencyKey, User
from app.models.base import utcnow

HEADER = "Idempotency-Key"
_KEY_RE = re.compile(r"^[\x21-\x7e]{1,200}$")  # visible ASCII, e.g. a UUID


def _canonical(raw: bytes) -> bytes:
    try:
        return json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, UnicodeDecodeError):
        return raw


@dataclass
class IdempotentRequest:
    user_id: int | None
    key: str
    method: str
    path: str
    request_hash: str
    row: IdempotencyKey | None = None

    @classmethod
    def from_request(cls, user: User | None, raw: bytes) -> IdempotentRequest | None:
        key = request.headers.get(HEADER)
        if key is None:
            return None
        key = key.strip()
        if not _KEY_RE.match(key):
            message = _("Use 1 to 200 visible ASCII characters, e.g. a UUID.")
            raise ApiProblem(422, _("Invalid Idempotency-Key."), {HEADER: [message]})
        digest = hashlib.sha256(
            request.method.encode() + b" " + request.path.encode() + b"\n" + _canonical(raw)
        ).hexdigest()
        return cls(user.id if user else None, key, request.method, request.path, digest)

    def _find(self) -> IdempotencyKey | None:
        owner = (
            IdempotencyKey.user_id.is_(None)
            if self.user_id is None
            else IdempotencyKey.user_id == self.user_id
        )
        return db.session.scalar(
            sa.select(IdempotencyKey).where(owner, IdempotencyKey.key == self.key)
        )

    def replay(self) -> Response | None:
        """The stored answer for this key, or None when the request is new."""
        row = self._find()
        if row is None:
            return None
        days = int(current_app.config.get("IDEMPOTENCY_KEY_DAYS", 1))
        if row.created_at < utcnow() - timedelta(days=days):
            self.row = row  # expired: the new answer will replace it
            return None
        if (row.method, row.path, row.request_hash) != (self.method, self.path, self.request_hash):
            raise ApiProblem(
                422,
                _("This Idempotency-Key was used for a different request."),
                {HEADER: [_("Use a new key for a new request.")]},
            )
        response = Response(row.body, status=row.status, mimetype="application/json")
        response.headers["Idempotent-Replayed"] = "true"
        return response

    def store(self, response: Response) -> None:
        """Keep a successful answer, in the transaction that made it."""
        if not 200 <= response.status_code < 300:
            return
        row = self.row or IdempotencyKey(user_id=self.user_id, key=self.key)
        row.method = self.method
        row.path = self.path
        row.request_hash = self.request_hash
        row.status = response.status_code
        row.body = response.get_data(as_text=True)
        row.created_at = utcnow()
        db.session.add(row)
        db.session.flush()
