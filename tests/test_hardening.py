"""Bad input answered at the edge: one test per class of the probe suite's findings."""

from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from werkzeug.routing import IntegerConverter

from app import create_app
from app.errors import InvalidInput
from app.models import Need, Organisation, Rfq, User
from app.services import matching
from app.web.converters import IdConverter
from tests import factories
from tests.conftest import english, submit
from tests.deal_builders import make_deal

BIG = "9" * 400
HUGE_ID = str(2**63)
REGISTRATION = {
    "role": "sme",
    "name": "Li",
    "email": "li@example.com",
    "password": "long enough password",
    "confirm": "long enough password",
    "org_name": "X",
}


def _account(**org) -> dict:
    return {
        "email": "new@example.com",
        "password": "long enough password",
        "role": "vendor",
        "organisation": {"name": "Acme", **org},
    }


# --- 1. links ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "link",
    ["javascript:alert(document.domain)", "JaVaScRiPt:alert(1)", "data:text/html,x", "//evil.io"],
)
def test_a_website_that_is_not_http_is_refused_by_the_api_and_the_form(client, sme_client, link):
    api = client.post("/api/v1/accounts", json=_account(website=link))
    assert api.status_code == 422
    message = "Enter a web address starting with http:// or https://."
    assert api.get_json()["errors"]["organisation.website"] == [message]
    page = submit(
        sme_client,
        "/auth/profile",
        {"name": "Li", "locale": "en", "org_name": "X", "website": link},
    )
    assert message in page.get_data(as_text=True)


def test_the_model_refuses_a_javascript_link_whatever_the_way_in(db, sme):

    with pytest.raises(InvalidInput):
        sme.organisation.website = "javascript:alert(1)"


def test_a_stored_javascript_link_is_never_made_clickable(admin_client, db):
    vendor = factories.vendor_user()
    db.session.execute(
        sa.update(Organisation)
        .where(Organisation.id == vendor.organisation_id)
        .values(website="javascript:alert(1)")
    )
    db.session.commit()
    page = admin_client.get("/admin/vendors").get_data(as_text=True)
    assert 'href="javascript:' not in page


def test_an_http_website_is_kept(client, db):
    api = client.post("/api/v1/accounts", json=_account(website="https://acme.example/about"))
    assert api.status_code == 201
    assert db.session.scalar(sa.select(Organisation.website)) == "https://acme.example/about"


# --- 2. deeply nested JSON ---------------------------------------------------------------------


def _nested(levels: int) -> str:
    return "[" * levels + "]" * levels


@pytest.mark.parametrize("path", ["/api/v1/accounts", "/api/v1/auth/token"])
@pytest.mark.parametrize("levels", [100, 5000])
def test_deeply_nested_json_is_a_400_problem(client, path, levels):
    body = '{"email": "a@b.example", "password": "x", "name": ' + _nested(levels) + "}"
    response = client.post(path, data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert "nests deeper than 32 levels" in response.get_json()["detail"]


def test_a_whole_body_nested_thousands_of_levels_is_a_400(client, sme):
    token = client.post(
        "/api/v1/auth/token", json={"email": sme.email, "password": factories.PASSWORD}
    ).get_json()["token"]
    response = client.post(
        "/api/v1/needs",
        data=_nested(3000),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 400


def test_json_brackets_inside_strings_do_not_count(client):
    body = {**_account(description="[" * 500), "name": "x"}
    assert client.post("/api/v1/accounts", json=body).status_code == 201


def test_page_endpoints_reading_json_refuse_deep_bodies_too(sme_client):
    token = sme_client.get("/needs/new").get_data(as_text=True).split('name="csrf_token"')[1]
    token = token.split('value="')[1].split('"')[0]
    response = sme_client.post(
        "/needs/suggest",
        data=_nested(5000),
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 200 and response.get_json() == {"suggestions": []}


# --- 4. numbers with hundreds of digits --------------------------------------------------------


def test_hundreds_of_digits_are_a_field_error_on_the_anonymous_registration(client, db):
    response = submit(client, "/auth/register", {**REGISTRATION, "employees": BIG})
    assert response.status_code == 422
    assert "Enter a whole number from 0 to 1000000." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Organisation.id))) == 0


@pytest.mark.parametrize("field", ["budget_max", "employees", "timeline_weeks"])
def test_hundreds_of_digits_in_the_need_form_are_a_field_error(sme_client, db, field):
    data = {"title": "T", "description": "D", "submit": "1", field: BIG}
    response = submit(sme_client, "/needs/new", data)
    assert response.status_code == 422
    assert "Enter a whole number from" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Need.id))) == 0


def test_hundreds_of_digits_in_a_quote_are_a_field_error(app, db):
    deal = make_deal(vendors=1, quoted=0)
    vendor = english(app.test_client(user=deal.vendors[0]))
    url = f"/vendor/rfqs/{deal.rfqs[0].id}/quote"
    data = {"licence": BIG, "delivery_weeks": "2", "scope": "s", "valid_until": "2099-01-01"}
    response = submit(vendor, url, data, form_url=f"/vendor/rfqs/{deal.rfqs[0].id}")
    assert response.status_code == 422
    assert "Enter a whole number from 0 to 1000000000." in response.get_data(as_text=True)


# --- 5. ids and page numbers --------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        f"/needs/{HUGE_ID}",
        f"/needs/{BIG}",
        "/needs/0",
        f"/needs/{HUGE_ID}/quotes",
        f"/vendor/rfqs/{HUGE_ID}",
    ],
)
def test_ids_out_of_range_in_page_urls_are_not_found(sme_client, path):
    assert sme_client.get(path).status_code == 404


def test_api_ids_out_of_range_are_404_problems(client):
    response = client.get(f"/api/v1/needs/{HUGE_ID}")
    assert response.status_code == 404 and response.mimetype == "application/problem+json"


def test_every_url_id_goes_through_the_bounded_converter(app):

    for rule in app.url_map.iter_rules():
        for name, converter in rule._converters.items():
            if isinstance(converter, IntegerConverter):
                assert isinstance(converter, IdConverter), (rule.rule, name)


@pytest.mark.parametrize("page", [HUGE_ID, BIG, "-1", "x", "0"])
def test_page_numbers_are_clamped(sme_client, admin_client, client, page):
    assert sme_client.get(f"/notifications/?page={page}").status_code == 200
    assert admin_client.get(f"/admin/users?page={page}").status_code == 200
    assert client.get(f"/solutions/?page={page}").status_code == 200


def test_a_huge_listing_id_in_the_rfq_form_is_a_field_error(app, db):
    deal = make_deal(vendors=1, quoted=0)
    owner = english(app.test_client(user=deal.sme))
    url = f"/needs/{deal.need.id}"
    response = submit(
        owner, f"{url}/rfqs", {"listing_ids": [HUGE_ID], "message": "hello"}, form_url=url
    )
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(Rfq.id))) == 1


def test_a_huge_need_id_in_the_admin_block_form_is_not_found(admin_client, db):
    vendor = factories.vendor_user()
    response = submit(
        admin_client,
        f"/admin/vendors/{vendor.organisation_id}/block",
        {"need_id": HUGE_ID, "reason": "spam", "scope": "need"},
        form_url="/admin/vendors",
    )
    assert response.status_code == 404


# --- 6. TOML nesting bomb -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "bomb", ["x = " + "[" * 4000 + "]" * 4000, "x = " + "{a=" * 2700 + "1" + "}" * 2700]
)
def test_a_toml_nesting_bomb_is_a_clear_form_error(vendor_client, db, bomb):

    response = submit(
        vendor_client,
        "/vendor/listings/upload",
        {"manifest": (BytesIO(bomb.encode()), "plugin.toml")},
        content_type="multipart/form-data",
    )
    assert response.status_code in (200, 422)
    assert "nests arrays or tables deeper than 16 levels" in response.get_data(as_text=True)


# --- 7. redirects -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "/needs/%0d%0aSet-Cookie:x=1",
        "/x\r\nLocation: https://evil.io",
        "//evil.io",
        "https://evil.io",
        "/\\evil.io",
        "javascript:alert(1)",
    ],
)
def test_the_language_switch_never_follows_an_unsafe_next(client, target):

    response = client.get("/lang/en?next=" + quote(target, safe="%/:"))
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "Set-Cookie:x" not in str(response.headers)


def test_the_language_switch_follows_a_local_next(client):
    response = client.get("/lang/en?next=/solutions/%3Fq%3Dmes")
    assert response.headers["Location"] == "/solutions/?q=mes"


# --- 11. commands on a database that is not migrated yet ---------------------------------------


def test_commands_on_an_unmigrated_database_say_to_run_db_upgrade(tmp_path):

    empty = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'empty.sqlite'}",
            "SEARCH_INDEX_DIR": str(tmp_path / "search"),
        }
    )
    runner = empty.test_cli_runner()
    for args in (
        ["plugins", "list"],
        ["users", "create-admin", "--email", "a@b.example", "--password", "x" * 12],
    ):
        result = runner.invoke(args=args)
        assert result.exit_code == 1, result.output
        assert "run `flask db upgrade` first" in result.output
        assert "Traceback" not in result.output


# --- new-user findings -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("budget_max", "1", "A first-year budget starts at 500 CNY"),
        ("timeline_weeks", "0", "Allow at least one week"),
    ],
)
def test_sensible_minimums_on_the_page_and_the_api_with_one_message(
    client, sme, sme_client, db, field, value, message
):
    page = submit(
        sme_client, "/needs/new", {"title": "T", "description": "D", "submit": "1", field: value}
    )
    assert page.status_code == 422 and message in page.get_data(as_text=True)
    token = client.post(
        "/api/v1/auth/token", json={"email": sme.email, "password": factories.PASSWORD}
    ).get_json()["token"]
    api = client.post(
        "/api/v1/needs",
        json={"title": "T", "description": "D", field: int(value)},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert api.status_code == 422
    assert api.get_json()["errors"][field][0].startswith(message)


def test_an_expired_quote_shows_no_accept_button_and_says_it_expired(app, db):
    deal = make_deal(vendors=2)
    expired = deal.quotes[0]
    expired.valid_until = date.today() - timedelta(days=1)
    db.session.commit()
    owner = english(app.test_client(user=deal.sme))
    page = owner.get(f"/needs/{deal.need.id}/quotes").get_data(as_text=True)
    assert f'/needs/quotes/{expired.id}/award"' not in page
    assert f'/needs/quotes/{deal.quotes[1].id}/award"' in page
    assert "Expired on" in page and f'data-quote-expired="{expired.id}"' in page


def test_registering_after_choosing_english_makes_an_english_account(app, db):

    browser = app.test_client()
    browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN,zh"
    browser.get("/lang/en")
    assert submit(browser, "/auth/register", REGISTRATION).status_code == 302
    assert db.session.scalar(sa.select(User.locale)) == "en"


def test_too_many_plugins_for_quotes_keeps_the_ticks_and_the_message(app, db):
    deal = make_deal(vendors=1, quoted=0)
    extra = [factories.listing(factories.vendor_user()) for _ in range(5)]

    matching.refresh_matches(deal.need)
    db.session.commit()
    owner = english(app.test_client(user=deal.sme))
    url = f"/needs/{deal.need.id}"
    ids = [str(item.id) for item in extra]
    response = submit(
        owner, f"{url}/rfqs", {"listing_ids": ids, "message": "Our dyeing lots"}, form_url=url
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "You can ask at most 5 plug-ins per need for quotes; 4 left." in page
    assert 'data-field-error="listing_ids"' in page
    assert "Our dyeing lots" in page
    assert db.session.scalar(sa.select(sa.func.count(Rfq.id))) == 1


# --- the same refusal, the same answer ----------------------------------------------------------


def test_a_non_vendor_organisation_is_no_vendor_on_the_page_and_in_the_api(
    client, admin, admin_client, sme
):
    page = submit(
        admin_client,
        f"/admin/vendors/{sme.organisation_id}/verify",
        {},
        form_url="/admin/vendors",
    )
    assert page.status_code == 404
    token = client.post(
        "/api/v1/auth/token", json={"email": admin.email, "password": factories.PASSWORD}
    ).get_json()["token"]
    api = client.post(
        f"/api/v1/admin/vendors/{sme.organisation_id}/verify",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert api.status_code == 404
    assert api.get_json()["detail"] == "No such vendor."
