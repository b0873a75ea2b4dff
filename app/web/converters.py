"""URL converters: every id in a URL is matched by ``<id:...>``, a number in the range of the
database's integer keys (1 to 2^31-1). Anything else (0, 2^63, a thousand digits) is simply
not a route: 404, before any view or query runs. Text segments (slugs, tokens) never hold a
NUL character, which no database text column accepts: such a URL names nothing."""

from __future__ import annotations

from werkzeug.routing import IntegerConverter, Map, UnicodeConverter

from app.models.fields import INT32_MAX


class IdConverter(IntegerConverter):
    # At most 10 digits: longer strings never reach int() (CPython refuses > 4300 digits).
    regex = r"\d{1,10}"

    def __init__(self, map: Map) -> None:
        super().__init__(map, min=1, max=INT32_MAX)


class TextConverter(UnicodeConverter):
    def __init__(self, map: Map, minlength: int = 1, maxlength: int | None = None) -> None:
        super().__init__(map, minlength=minlength, maxlength=maxlength)
        self.regex = self.regex.replace("[^/]", r"[^/\x00]")


CONVERTERS = {"id": IdConverter, "default": TextConverter, "string": TextConverter}
