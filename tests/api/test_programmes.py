"""The public-programme layer through the JSON API: an SME takes the assessment and accepts a
proposed need; an admin defines a programme; the SME applies with it, reads the price after
subsidy of its quotes, awards one, and the programme's remaining budget goes down."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from app.programmes.editions import DIMENSIONS
from app.services import assessment
from tests.api.conftest import assert_problem
from tests.deal_builders import make_deal


def _answers(choice: int = 1, **by_item: int) -> dict[str, int]:
    return {item.id: by_item.get(item.id, choice) for item in assessment.current_edition().items}


def _programme(**changes) -> dict:
    return {
        "name_zh": "赣州纺织业数字化转型专项",
        "name_en": "Ganzhou textile digitalisation grant",
        "regions": ["CN-JX"],
        "industries": ["C17"],
        "capabilities": ["production.planning"],
        "share_percent": 30,
        "cap_per_sme": 50000,
        "budget_total": 200000,
        "starts_on": (date.today() - timedelta(days=1)).isoformat(),
        "ends_on": (date.today() + timedelta(days=90)).isoformat(),
        "min_maturity_after": 2,
        **changes,
    }


def test_an_sme_takes_the_assessment_in_chinese_and_accepts_a_proposed_need(sme_api, db):
    form = sme_api.get("/assessments/questionnaire?lang=zh").get_json()
    assert [d["name"] for d in form["dimensions"]] == [
        "数字化基础",
        "数字化经营",
        "数字化管理",
        "数字化成效",
    ]
    assert form["items"][0]["options"][0] == {
        "index": 0,
        "label": "没有：设备数据全靠人工抄记",
        "share": 0.0,
    }
    response = sme_api.post("/assessments", json={"answers": _answers(1), "lang": "zh"})
    assert response.status_code == 201, response.get_json()
    result = response.get_json()
    assert result["level"] == 1 and result["total"] == 35.0
    assert [d["code"] for d in result["dimensions"]] == list(DIMENSIONS)
    assert len(result["weakest"]) == 3 and len(result["proposals"]) == 3
    proposal = result["proposals"][0]
    assert proposal["status"] == "proposed" and proposal["lang"] == "zh"
    need = sme_api.post(f"/proposals/{proposal['id']}/accept", json={"budget_max": 80000})
    assert need.status_code == 201
    assert need.get_json()["capabilities"] == proposal["capabilities"]
    assert need.get_json()["status"] == "open"
    again = sme_api.post(f"/proposals/{proposal['id']}/dismiss")
    assert_problem(again, 409)

    second = sme_api.post("/assessments", json={"answers": _answers(2)}).get_json()
    assert second["previous_id"] == result["id"] and second["previous_total"] == 35.0
    assert second["dimensions"][0]["previous"] == result["dimensions"][0]["points"]


def test_incomplete_answers_are_a_422_naming_the_questions(sme_api, db):
    answers = _answers(1)
    del answers["energy"]
    answers["security"] = 7
    assert_problem(
        sme_api.post("/assessments", json={"answers": answers}), 422, "energy", "security"
    )
    assert_problem(
        sme_api.post("/assessments", json={"answers": {**_answers(1), "equipment": True}}), 422
    )


def test_admin_programme_price_after_subsidy_and_the_budget_after_the_award(api_for, admin, db):
    admin_api = api_for(admin)
    assert_problem(
        admin_api.post("/programmes", json=_programme(share_percent=0)), 422, "share_percent"
    )
    created = admin_api.post("/programmes", json=_programme())
    assert created.status_code == 201, created.get_json()
    programme = created.get_json()
    assert programme["remaining"] == 200000

    deal = make_deal(vendors=2)
    sme_api = api_for(deal.sme)
    assert_problem(sme_api.post("/programmes", json=_programme()), 403)
    options = sme_api.get(f"/needs/{deal.need.id}/programmes").get_json()["items"]
    assert options[0]["qualifies"] and not options[0]["chosen"]
    chosen = sme_api.request(
        "PUT",
        f"/needs/{deal.need.id}/programme",
        json={"programme_id": programme["id"], "budget_after_subsidy": True},
    )
    assert chosen.status_code == 200, chosen.get_json()
    assert chosen.get_json()["effective_budget"] == 142857  # 100,000 budget / 70 %
    prices = sme_api.get(f"/needs/{deal.need.id}/subsidies").get_json()["items"]
    assert [(p["full_price"], p["subsidy"], p["price_after_subsidy"]) for p in prices] == [
        (50000, 15000, 35000),
        (50000, 15000, 35000),
    ]
    accepted = sme_api.post(f"/quotes/{deal.quotes[0].id}/accept")
    assert accepted.status_code == 200
    after = sme_api.get(f"/programmes/{programme['id']}").get_json()
    assert after["committed"] == 15000 and after["remaining"] == 185000
    pack = sme_api.get(f"/needs/{deal.need.id}/application-pack")
    assert pack.status_code == 200 and pack.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(pack.get_data(as_text=True).lstrip("\ufeff"))))
    assert ["Subsidy", "Subsidy committed (CNY)", "15000"] in rows
    assert_problem(
        sme_api.request(
            "PUT", f"/needs/{deal.need.id}/programme", json={"programme_id": programme["id"]}
        ),
        409,
    )


def test_another_smes_need_and_a_missing_pack_are_not_found(api_for, sme, db):
    deal = make_deal(vendors=1)
    other = api_for(sme)
    assert_problem(other.get(f"/needs/{deal.need.id}/programmes"), 404)
    assert_problem(api_for(deal.sme).get(f"/needs/{deal.need.id}/application-pack"), 404)
    assert_problem(api_for(deal.sme).request("DELETE", f"/needs/{deal.need.id}/programme"), 409)
