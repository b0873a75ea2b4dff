"""Language helpers: taxonomy labels, form choices and money in the reader's language."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app
from flask_babel import format_decimal, get_locale
from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice

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


def locale_of(user) -> str:
    """The language someone reads what is written for them in, away from their own request
    (an e-mail, a message the platform writes to them): theirs, else the site's default."""
    return (user.locale if user is not None else None) or current_app.config["BABEL_DEFAULT_LOCALE"]


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
