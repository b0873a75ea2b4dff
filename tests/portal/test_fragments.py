"""Cards rendered once and reused (app.web.fragments) never show a stale or foreign card:
a fragment template reads only what it is given, and a change is a new card."""

from __future__ import annotations

import re
from pathlib import Path

from jinja2 import meta

from app.extensions import db
from app.services import matching
from tests import factories

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
CALL = re.compile(r"fragment\('([^']+)'((?:, *\w+=[^,)]+(?:\([^)]*\))?)*)\)")
# Globals whose answer depends only on their arguments, the language and the site's root.
PURE = {"_", "gettext", "ngettext", "url_for", "vendor_url", "code_label", "range"}


def _fragment_calls() -> dict[str, set[str]]:
    calls: dict[str, set[str]] = {}
    for path in TEMPLATES.rglob("*.html"):
        for name, args in CALL.findall(path.read_text(encoding="utf-8")):
            calls.setdefault(name, set()).update(re.findall(r"(\w+)=", args))
    return calls


def _names_read(env, name: str) -> set[str]:
    """Undeclared names of ``name`` and of the templates it imports or includes."""
    tree = env.parse(env.loader.get_source(env, name)[0])
    names = set(meta.find_undeclared_variables(tree))
    for other in meta.find_referenced_templates(tree):
        names |= _names_read(env, other)
    return names


def test_fragment_templates_read_only_their_values_and_pure_globals(app):
    calls = _fragment_calls()
    assert {"needs/_match_card.html", "catalogue/_hit_card.html", "catalogue/_facets.html"} <= set(
        calls
    )
    for name, given in calls.items():
        extra = _names_read(app.jinja_env, name) - given - PURE
        assert not extra, f"{name} reads {sorted(extra)}: pass them in, or they go stale"


def _card(page: str, slug: str) -> str:
    card = rf'<div class="card[^"]*sz-match[^"]*" data-match="{slug}".*?</a>\s*</div>'
    found = re.search(card, page, re.S)
    assert found, f"no card for {slug}"
    return found.group(0)


def test_a_changed_listing_shows_on_the_next_need_page(sme_client, sme):
    listing = factories.listing(factories.vendor_user(), name="染缸排产 v1")
    need = factories.need(sme)
    matching.refresh_matches(need)
    db.session.commit()
    first = sme_client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert "染缸排产 v1" in _card(first, listing.slug)

    listing.name, listing.price_max = "染缸排产 v2", 90000
    db.session.commit()
    second = sme_client.get(f"/needs/{need.id}").get_data(as_text=True)
    card = _card(second, listing.slug)
    assert "染缸排产 v2" in card and "染缸排产 v1" not in card
    assert "90,000" in card


def test_the_same_card_is_rendered_in_each_readers_language(sme_client, sme):
    listing = factories.listing(factories.vendor_user())
    need = factories.need(sme)
    matching.refresh_matches(need)
    db.session.commit()
    english = _card(sme_client.get(f"/needs/{need.id}").get_data(as_text=True), listing.slug)
    chinese = _card(
        sme_client.get(f"/needs/{need.id}", headers={"Accept-Language": "zh"}).get_data(
            as_text=True
        ),
        listing.slug,
    )
    assert "See the plug-in" in english and "See the plug-in" not in chinese
