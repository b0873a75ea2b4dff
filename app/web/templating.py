"""What every template may call: labels, navigation, links and filters in the reader's language."""

from __future__ import annotations

from flask import Flask, current_app, request, url_for
from flask_login import current_user

from app.i18n import code_label, current_lang, money
from app.i18n.status_labels import status_label
from app.models.fields import is_web_link
from app.services import notify
from app.web import fragments
from app.web.navigation import nav_items, role_label
from app.web.pagination import page_window
from app.web.rich_text import markdown_html


def url_with(**changes) -> str:
    """The current page's URL with some query arguments replaced (pagination, sorting)."""
    args = request.args.to_dict(flat=False)
    args.update({key: [value] for key, value in changes.items()})
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def web_link(value: str | None) -> str | None:
    """A stored link fit for ``href``: http(s) only, so a javascript: link saved before the
    rule existed is shown as text, never made clickable."""
    return value if isinstance(value, str) and is_web_link(value) else None


def has_endpoint(name: str) -> bool:
    return name in current_app.view_functions


def unread_notifications() -> int:
    """The bell's count in the navigation bar (0 for visitors)."""
    return notify.unread_count(current_user) if current_user.is_authenticated else 0


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.globals.update(
        code_label=code_label,
        current_lang=current_lang,
        nav_items=nav_items,
        role_label=role_label,
        status_label=status_label,
        unread_notifications=unread_notifications,
        url_with=url_with,
        page_window=page_window,
        has_endpoint=has_endpoint,
    )
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["markdown"] = markdown_html
    app.jinja_env.filters["web_link"] = web_link
    fragments.init_app(app)
