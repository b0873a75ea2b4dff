"""Cards rendered once and reused (app.web.fragments) never show a stale or foreign card:
a fragment template reads only what it is given, and a change is a new card."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from jinja2 import meta, nodes

from app.extensions import db
from app.services import matching
from app.web.fragments import fragment
from tests import factories

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# Globals and filters whose answer depends only on their arguments, the language and the
# site's root (the rest of the cache key).
PURE = {"_", "gettext", "ngettext", "url_for", "vendor_url", "code_label", "range"}
PURE_FILTERS = {"money", "format", "length", "string", "e", "escape", "join", "truncate"}


def _fragment_calls(env) -> dict[str, set[str]]:
    """Every ``fragment('<template>', name=…)`` call in the templates: template → names."""
    calls: dict[str, set[str]] = {}
    for path in TEMPLATES.rglob("*.html"):
        tree = env.parse(path.read_text(encoding="utf-8"))
        for call in tree.find_all(nodes.Call):
            if isinstance(call.node, nodes.Name) and call.node.name == "fragment":
                assert isinstance(call.args[0], nodes.Const), f"{path}: name the template"
                names = calls.setdefault(call.args[0].value, set())
                names.update(keyword.key for keyword in call.kwargs)
    return calls


def _read(env, name: str) -> tuple[set[str], set[str]]:
    """(undeclared names, filters) of ``name`` and of the templates it imports or includes."""
    tree = env.parse(env.loader.get_source(env, name)[0])
    names = set(meta.find_undeclared_variables(tree))
    filters = {f.name for f in tree.find_all(nodes.Filter)}
    for other in meta.find_referenced_templates(tree):
        more_names, more_filters = _read(env, other)
        names, filters = names | more_names, filters | more_filters
    return names, filters


def test_fragment_templates_read_only_their_values_and_pure_globals(app):
    calls = _fragment_calls(app.jinja_env)
    cards = {"needs/_match_card.html", "catalogue/_hit_card.html", "catalogue/_facets.html"}
    assert cards <= set(calls)
    for name, given in calls.items():
        names, filters = _read(app.jinja_env, name)
        assert not names - given - PURE, f"{name} reads {sorted(names - given - PURE)}"
        assert filters <= PURE_FILTERS, f"{name} filters with {sorted(filters - PURE_FILTERS)}"


def test_a_database_row_is_refused_as_a_fragment_value(app, sme):
    with app.test_request_context(), pytest.raises(TypeError, match="plain values"):
        fragment("needs/_match_card.html", card=sme)


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


def test_the_catalogue_pager_links_a_window_of_pages_with_the_query(client, vendor):
    for n in range(12 * 9):  # nine pages of twelve
        factories.listing(vendor, name=f"排产系统 {n}")
    page = client.get("/solutions/?page=3&capability=production.planning").get_data(as_text=True)
    linked = [int(n) for n in re.findall(r'class="page-link" href="[^"]*page=(\d+)', page)]
    assert linked == [1, 2, 3, 4, 5, 9]  # 6 to 8 are "…"
    assert 'aria-current="page">3<' in page and "…" in page
    assert all(
        "capability=production.planning" in href
        for href in re.findall(r'class="page-link" href="([^"]*)"', page)
    )
