"""Idempotency-Key: a retried POST returns the first answer and creates nothing new."""

from __future__ import annotations

import sqlalchemy as sa

from app.models import Need, User
from tests import factories
from tests.api import helpers
from tests.api.conftest import assert_problem
from tests.deal_builders import make_deal


def count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_retry_returns_the_first_answer_and_creates_nothing(sme_api, db):
    headers = {"Idempotency-Key": "need-7f3c"}
    first = sme_api.post("/needs", json=helpers.need(), headers=headers)
    assert first.status_code == 201
    again = sme_api.post("/needs", json=helpers.need(), headers=headers)
    assert again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert count(db, Need) == 1


def test_the_same_key_with_another_body_is_refused(sme_api, db):
    headers = {"Idempotency-Key": "need-1"}
    assert sme_api.post("/needs", json=helpers.need(), headers=headers).status_code == 201
    other = sme_api.post("/needs", json=helpers.need(title="另一个"), headers=headers)
    assert_problem(other, 422, "Idempotency-Key")
    assert count(db, Need) == 1


def test_keys_are_per_user(api_for, db):

    first, second = api_for(factories.sme_user()), api_for(factories.sme_user())
    headers = {"Idempotency-Key": "shared"}
    assert first.post("/needs", json=helpers.need(), headers=headers).status_code == 201
    response = second.post("/needs", json=helpers.need(), headers=headers)
    assert response.status_code == 201 and "Idempotent-Replayed" not in response.headers
    assert count(db, Need) == 2


def test_failures_are_not_stored(sme_api, db):
    headers = {"Idempotency-Key": "try-again"}
    assert_problem(sme_api.post("/needs", json={"title": ""}, headers=headers), 422)
    assert sme_api.post("/needs", json=helpers.need(), headers=headers).status_code == 201


def test_anonymous_registration_is_idempotent(anon, db):
    data = helpers.account("sme")
    headers = {"Idempotency-Key": "register-42"}
    first = anon.post("/accounts", json=data, headers=headers)
    again = anon.post("/accounts", json=data, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert count(db, User) == 1
    # Without the key the same request is a new attempt: the address is taken.
    assert_problem(anon.post("/accounts", json=data), 422, "email")


def test_state_changes_replay_too(api_for, db):

    deal = make_deal(vendors=2)
    sme = api_for(deal.sme)
    headers = {"Idempotency-Key": "accept-once"}
    first = sme.post(f"/quotes/{deal.quotes[0].id}/accept", headers=headers)
    again = sme.post(f"/quotes/{deal.quotes[0].id}/accept", headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.get_json() == first.get_json()
    assert_problem(sme.post(f"/quotes/{deal.quotes[0].id}/accept"), 409)


def test_bad_keys_are_refused(sme_api, db):
    response = sme_api.post("/needs", json=helpers.need(), headers={"Idempotency-Key": "x" * 201})
    assert_problem(response, 422, "Idempotency-Key")
    assert count(db, Need) == 0


def test_tokens_are_never_replayed(anon, sme, db):
    body = {"email": sme.email, "password": helpers.PASSWORD}
    headers = {"Idempotency-Key": "token"}
    first = anon.post("/auth/token", json=body, headers=headers)
    second = anon.post("/auth/token", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.get_json()["token"] != second.get_json()["token"]
