"""Page fragments rendered once per distinct input and reused: the cards of long lists.

A fragment template sees only the values it is given (plain, hashable values such as frozen
dataclasses) and the environment's pure globals (translations, ``url_for``, labels): no
``current_user``, ``request`` or CSRF token. Its output is therefore a function of those
values, the reader's language and the site's root, and that is the cache key: nothing needs
invalidating, a changed listing or match is simply a different key.
``tests/portal/test_fragments.py`` checks every fragment template for names it is not given.
"""

from __future__ import annotations

from functools import lru_cache

import sqlalchemy as sa
from flask import Flask, current_app, request
from flask_babel import get_locale
from markupsafe import Markup

EXTENSION = "fragments"


def fragment(template: str, **values: object) -> Markup:
    """``template`` rendered with ``values``, from the cache when it was rendered before
    (never while templates reload on edit, as in ``flask run --debug``)."""
    for name, value in values.items():
        if sa.inspect(value, raiseerr=False) is not None:
            # A row hashes by identity: its cached card would never change with it.
            raise TypeError(f"fragment {template}: {name} must be plain values, not a row")
    cached = current_app.extensions[EXTENSION]
    render = cached.__wrapped__ if current_app.jinja_env.auto_reload else cached
    return render(template, str(get_locale()), request.script_root, tuple(sorted(values.items())))


def init_app(app: Flask) -> None:
    """One bounded cache per app (FRAGMENT_CACHE_SIZE fragments), and the template global."""

    @lru_cache(maxsize=app.config["FRAGMENT_CACHE_SIZE"])
    def render(template: str, locale: str, root: str, values: tuple) -> Markup:
        del locale, root  # in the key only: the template's translations and links read them
        return Markup(app.jinja_env.get_template(template).render(dict(values)))

    app.extensions[EXTENSION] = render
    app.jinja_env.globals["fragment"] = fragment
