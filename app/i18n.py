"""Language helpers: taxonomy labels, form choices and money in the reader's language."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app, request, url_for
from flask_babel import format_decimal, get_locale
from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice

from app.rich_text import markdown_html
from matching import taxonomy

VOCABULARIES = {
    "capability": taxonomy.CAPABILITIES,
    "industry": taxonomy.INDUSTRIES,
    "region": taxonomy.REGIONS,
    "size": taxonomy.COMPANY_SIZES,
    "deployment": taxonomy.DEPLOYMENTS,
    "price_model": taxonomy.PRICE_MODELS,
    "maturity": taxonomy.MATURITY_LEVELS,
}


def current_lang() -> str:
    """ "zh" or "en": the language of the page being rendered."""
    locale = get_locale()
    return "zh" if locale and locale.language == "zh" else "en"


# "*" means something different per field: "Industries: Any / nationwide" confused readers.
ANY_LABELS = {
    "industry": _l("Any industry"),
    "region": _l("Nationwide or remote"),
}


def code_label(vocabulary: str, code) -> str:
    if code == taxonomy.ANY and vocabulary in ANY_LABELS:
        return str(ANY_LABELS[vocabulary])
    return taxonomy.label(VOCABULARIES[vocabulary], code, current_lang())


def choices(
    vocabulary: str, *, blank: str | None = None, anywhere: bool = False
) -> Callable[[], list[SelectChoice]]:
    """A callable WTForms evaluates per request, so labels follow the reader's language.

    ``anywhere`` adds the "*" option of data-formats.md (any industry / nationwide).
    """

    def build() -> list[SelectChoice]:
        items = [
            SelectChoice(str(code), code_label(vocabulary, code))
            for code in VOCABULARIES[vocabulary]
        ]
        if anywhere:
            items.insert(0, SelectChoice(taxonomy.ANY, code_label(vocabulary, taxonomy.ANY)))
        return ([SelectChoice("", blank)] if blank is not None else []) + items

    return build


def money(amount: int | float | None) -> str:
    """¥12,000 in both languages; an em dash for unknown amounts."""
    if amount is None:
        return "—"
    return "¥" + format_decimal(amount, format="#,##0")


def url_with(**changes) -> str:
    """The current page's URL with some query arguments replaced (pagination, sorting)."""
    args = request.args.to_dict(flat=False)
    args.update({key: [value] for key, value in changes.items()})
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def web_link(value: str | None) -> str | None:
    """A stored link fit for ``href``: http(s) only, so a javascript: link saved before the
    rule existed is shown as text, never made clickable."""
    from app.fields import is_web_link

    return value if isinstance(value, str) and is_web_link(value) else None


def has_endpoint(name: str) -> bool:
    return name in current_app.view_functions


def register_template_helpers(app: Flask) -> None:
    from app.navigation import nav_items, role_label
    from app.notifications.routes import unread_count
    from app.status_labels import status_label

    app.jinja_env.globals.update(
        code_label=code_label,
        current_lang=current_lang,
        nav_items=nav_items,
        role_label=role_label,
        status_label=status_label,
        unread_notifications=unread_count,
        url_with=url_with,
        has_endpoint=has_endpoint,
    )
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["markdown"] = markdown_html
    app.jinja_env.filters["web_link"] = web_link
