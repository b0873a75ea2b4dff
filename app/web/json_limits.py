"""JSON parsed with a depth and a size limit, for every JSON body the portal reads.

Python's parser recurses once per nesting level, and so do the code and pydantic that walk
the result: a body nested a few thousand levels deep ends in ``RecursionError``. No request
of this portal nests more than a few levels, so anything deeper than ``JSON_MAX_DEPTH`` (or
longer than ``JSON_MAX_BYTES``) is refused before it is parsed. The app's JSON provider
uses it, so ``request.get_json()`` is limited everywhere; the API reads bodies through it
and answers a 400 problem.
"""

from __future__ import annotations

import re
from typing import Any

from flask.json.provider import DefaultJSONProvider

DEFAULT_MAX_DEPTH = 32
DEFAULT_MAX_BYTES = 1024 * 1024

# A JSON string, escapes included: brackets inside strings do not nest anything.
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"?', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")


class JsonTooLarge(ValueError):
    """The document nests too deeply or is too long; ``reason`` says which."""

    def __init__(self, reason: str, limit: int):
        super().__init__(f"JSON {reason} over {limit}")
        self.reason = reason  # "depth" or "size"
        self.limit = limit


def check(document: str | bytes, *, depth: int, size: int) -> None:
    """Raise :class:`JsonTooLarge` when ``document`` is longer than ``size`` bytes or nests
    deeper than ``depth``; counts without recursion, whatever the input."""
    if len(document) > size:
        raise JsonTooLarge("size", size)
    if isinstance(document, bytes | bytearray):
        document = bytes(document).decode("utf-8", errors="replace")
    level = 0
    for bracket in _BRACKETS.findall(_STRING.sub("", document)):
        if bracket in "[{":
            level += 1
            if level > depth:
                raise JsonTooLarge("depth", depth)
        else:
            level -= 1


class LimitedJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider with :func:`check` in front of every parse."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        check(
            s,
            depth=int(self._app.config.get("JSON_MAX_DEPTH", DEFAULT_MAX_DEPTH)),
            size=int(self._app.config.get("JSON_MAX_BYTES", DEFAULT_MAX_BYTES)),
        )
        return super().loads(s, **kwargs)
