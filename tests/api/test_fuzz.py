"""A property-based fuzz run of the API from its own OpenAPI document (schemathesis).

Each operation gets a few generated requests, valid and invalid, sent as an anonymous
client, an SME, a vendor and an admin; every answer must be no 5xx and conform to the
document (status code, content type, body schema). ``API_FUZZ_EXAMPLES`` sets how many
requests per operation and mode (default 4: about 1,000 calls in all).
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.extensions import db as _db
from app.services import matching, tokens
from tests import factories
from tests.deal_builders import make_deal

EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "4"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

pytestmark = pytest.mark.filterwarnings(
    # schemathesis and its dependencies, not ours
    "ignore::DeprecationWarning:schemathesis.*",
    "ignore::hypothesis.errors.NonInteractiveExampleWarning",
)


def isolated(app):
    """Each request in its own app context (and database session), as a server runs it."""

    def wsgi(environ, start_response):
        with app.app_context():
            return list(app.wsgi_app(environ, start_response))

    return wsgi


def bearer(user) -> dict[str, str]:
    issued = tokens.create_token(user, "fuzz")
    _db.session.commit()
    return {"Authorization": f"Bearer {issued.secret}"}


def test_fuzz_the_api_from_its_openapi_document(app, db):
    deal = make_deal(vendors=2, award=True, complete=True, review=True)
    matching.refresh_matches(factories.need(deal.sme))
    _db.session.commit()
    parties = {
        "anonymous": {},
        "sme": bearer(deal.sme),
        "vendor": bearer(deal.vendors[0]),
        "admin": bearer(factories.admin_user()),
    }
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", isolated(app))
    calls = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        strategy = st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        )

        @settings(
            max_examples=EXAMPLES * 2,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def run(case):
            nonlocal calls
            for headers in parties.values():
                case.call_and_validate(headers=headers, checks=CHECKS)
                calls += 1

        run()
    assert calls >= 4 * 30
