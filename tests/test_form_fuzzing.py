"""Property-based fuzzing of every HTML form and every page route parameter (hypothesis).

The forms are found the way a browser finds them: every page of the URL map is opened as
each role, and every POST form on it is filled with drawn values (the offered options,
hostile strings, giant numbers, files). Then for every answer: no 5xx, no traceback, and a
refused request (4xx) stored nothing. The route parameters of every GET page get drawn
strings too. New pages and forms are covered without being listed here. The examples are
derandomised and few per target, so the whole run stays within seconds.
"""

from __future__ import annotations

import re
from io import BytesIO
from urllib.parse import quote, urlsplit

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.extensions import db as _db
from tests import factories
from tests.conftest import CSRF_RE, english
from tests.deal_builders import make_deal
from tests.page_walk import SKIPPED_ENDPOINTS, forms_on, object_values, page_urls

FORM_EXAMPLES = 6
ROUTE_EXAMPLES = 4
# Forms whose success ends the walk for that browser: fuzzed by their own tests instead.
NOT_FUZZED = ("/auth/logout",)
REFUSALS = (400, 403, 404, 405, 409, 413, 422, 429)

HOSTILE = st.sampled_from(
    [
        "",
        " ",
        "0",
        "-1",
        "9" * 400,
        str(2**63),
        "1e9",
        "١٢٣",
        "2001-01-01",
        "2099-12-31",
        "javascript:alert(1)",
        "<script>alert(1)</script>",
        "'; DROP TABLE users; --",
        "a\r\nb",
        "x" * 25_000,
        "[" * 2000,
        "%00",
        "中文🙂",
        "http://example.com/",
    ]
)
TEXT = st.text(max_size=40)


def _value(offered: list[str]):
    choices = [st.sampled_from(offered)] if offered else []
    return st.one_of(*choices, HOSTILE, TEXT)


def _form_data(form) -> st.SearchStrategy[dict]:
    fields = {}
    for name, offered in form.fields.items():
        if name in form.files:
            fields[name] = st.one_of(
                st.binary(max_size=300), st.just(b"x = " + b"[" * 3000), st.just(b"\xff\xfe")
            ).map(lambda data: (BytesIO(data), "plugin.toml"))
        else:
            fields[name] = st.one_of(
                st.none(), _value(offered), st.lists(_value(offered), min_size=2, max_size=7)
            )
    return st.fixed_dictionaries(fields)


def _rows() -> int:
    return sum(
        _db.session.scalar(sa.select(sa.func.count()).select_from(table))
        for table in _db.metadata.sorted_tables
    )


def _check(response) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code < 500, (response.request.path, response.status_code)
    assert "Traceback" not in body


def _browsers(app, deal):
    admin = factories.admin_user()
    return [
        ("anonymous", english(app.test_client())),
        ("sme", english(app.test_client(user=deal.sme))),
        ("vendor", english(app.test_client(user=deal.vendors[0]))),
        ("admin", english(app.test_client(user=admin))),  # last: it may suspend the others
    ]


def _token(client) -> str | None:
    match = CSRF_RE.search(client.get("/auth/profile").get_data(as_text=True))
    if match is None:
        match = CSRF_RE.search(client.get("/auth/login").get_data(as_text=True))
    return match.group(1) if match else None


def _fuzz_form(client, token: str | None, path: str, form) -> None:
    @settings(
        max_examples=FORM_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=_form_data(form))
    def post(data):
        payload = {k: v for k, v in data.items() if v is not None}
        payload["csrf_token"] = token
        before = _rows()
        response = client.post(
            path,
            data=payload,
            content_type="multipart/form-data" if form.multipart else None,
        )
        _check(response)
        if response.status_code in REFUSALS:
            _db.session.rollback()
            assert _rows() == before, (path, response.status_code, payload)

    post()


def test_every_form_survives_drawn_input_and_refusals_store_nothing(app, db):
    deal = make_deal(vendors=2)
    urls = page_urls(app, object_values(deal))
    fuzzed: set[tuple[str, str]] = set()
    for who, client in _browsers(app, deal):
        token = _token(client)
        targets = {}
        for url in urls:
            page = client.get(url)
            if page.status_code == 200 and page.mimetype == "text/html":
                for form in forms_on(page.get_data(as_text=True), url):
                    path = urlsplit(form.action).path
                    if path not in NOT_FUZZED:
                        targets.setdefault(path, form)
        for path, form in sorted(targets.items()):
            fuzzed.add((who, path))
            _fuzz_form(client, token, path, form)
    roles = {who for who, _ in fuzzed}
    assert roles == {"anonymous", "sme", "vendor", "admin"}, fuzzed
    assert len(fuzzed) >= 25, sorted(fuzzed)


SEGMENT = st.one_of(
    st.sampled_from(["0", "-1", str(2**31), str(2**63), "9" * 400, "1.5", "%00", "..", "x"]),
    st.text(alphabet=st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=30),
)


def test_every_page_route_parameter_survives_drawn_values(app, db):
    deal = make_deal(vendors=2)
    rules = [
        rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods
        and rule.arguments
        and rule.endpoint not in SKIPPED_ENDPOINTS
        and not rule.endpoint.endswith(".static")
    ]
    assert len(rules) >= 10
    browsers = _browsers(app, deal)

    @settings(
        max_examples=ROUTE_EXAMPLES * len(rules),
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        rule=st.sampled_from(rules),
        values=st.lists(SEGMENT, min_size=3, max_size=3),
        browser=st.sampled_from(browsers),
    )
    def get(rule, values, browser):
        url = rule.rule
        for arg, value in zip(sorted(rule.arguments), values, strict=False):
            url = re.sub(rf"<(?:\w+:)?{arg}>", quote(value, safe=""), url)
        response = browser[1].get(url)
        _check(response)
        response.close()

    get()
