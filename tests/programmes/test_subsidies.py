"""Subsidy programmes: an admin defines one, the SME sees which it may qualify for, chooses
it, sees the price after subsidy beside the full price on its compared quotes, and the award
commits the subsidy: the programme's remaining budget goes down, within the cap and budget."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa

from app.errors import DomainError, Forbidden, InvalidInput
from app.models import Programme, ProgrammeCommitment, Verification
from app.services import assessment, engagements, programme_admin, subsidies
from tests import factories
from tests.conftest import submit
from tests.deal_builders import make_deal
from tests.programmes.helpers import answers, programme


def _form(**changes) -> dict:
    data = {
        "name_zh": "赣州纺织业数字化转型专项",
        "name_en": "Ganzhou textile digitalisation grant",
        "sponsor": "赣州市中小企业服务中心",
        "regions": ["CN-JX"],
        "industries": ["C17"],
        "capabilities": ["production.planning"],
        "share_percent": "30",
        "cap_per_sme": "50000",
        "budget_total": "200000",
        "starts_on": "2026-01-01",
        "ends_on": "2099-12-31",
        "require_verified_vendor": "y",
        "require_listed_solution": "y",
        "min_maturity_after": "2",
    }
    data.update(changes)
    return data


def test_admin_defines_a_programme_and_the_sme_sees_the_price_after_subsidy_then_the_budget_drops(
    app, admin, admin_client, db
):
    deal = make_deal(vendors=2)  # quotes: 20,000 + 15,000 + 5,000 one-off, 10,000 a year
    assessment.submit(deal.sme, answers(1), lang="en")
    db.session.commit()
    response = submit(admin_client, "/programmes/new", _form())
    assert response.status_code == 302, response.get_data(as_text=True)
    item = db.session.scalar(sa.select(Programme))
    assert item.eligible_parts == ["licence", "implementation", "training", "annual_fees"]

    sme_client = app.test_client(user=deal.sme)
    sme_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = sme_client.get(f"/needs/{deal.need.id}").get_data(as_text=True)
    assert 'data-qualifies="yes"' in page and "Ganzhou textile digitalisation grant" in page
    submit(
        sme_client,
        f"/programmes/needs/{deal.need.id}/choose",
        {"programme_id": str(item.id)},
        form_url=f"/needs/{deal.need.id}",
    )
    compare = sme_client.get(f"/needs/{deal.need.id}/quotes").get_data(as_text=True)
    # 30 % of 50,000 = 15,000: 35,000 after subsidy, beside the full 50,000.
    assert "¥50,000" in compare and compare.count('data-quote-net="35000"') == 2
    assert "pays ¥15,000: 30% of ¥50,000 eligible cost" in compare

    submit(
        sme_client,
        f"/needs/quotes/{deal.quotes[0].id}/award",
        {},
        form_url=f"/needs/{deal.need.id}/quotes",
    )
    db.session.expire_all()
    item = db.session.get(Programme, item.id)
    assert item.committed == 15000 and item.remaining == 185000
    commitment = db.session.scalar(sa.select(ProgrammeCommitment))
    assert commitment.amount == 15000 and commitment.assessment_id is not None
    page = sme_client.get(f"/needs/{deal.need.id}").get_data(as_text=True)
    assert 'data-committed="15000"' in page
    pack = sme_client.get(f"/programmes/needs/{deal.need.id}/application.csv")
    assert pack.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(pack.get_data(as_text=True).lstrip("\ufeff"))))
    values = {(r[0], r[1]): r[2] for r in rows[1:]}
    assert values[("Subsidy", "Subsidy committed (CNY)")] == "15000"
    assert values[("Awarded quote", "First-year total (CNY)")] == "50000"
    assert values[("Assessment before the project", "Level")] == "1"
    assert ("Awarded quote", "Vendor's unified social credit code") in values
    admin_page = admin_client.get(f"/programmes/{item.id}").get_data(as_text=True)
    assert 'data-remaining="185000"' in admin_page and "¥15,000" in admin_page


def test_the_subsidy_stays_within_the_cap_per_sme_and_the_programme_budget(admin, db):
    deal = make_deal(vendors=1)
    item = programme(admin, cap_per_sme=8000, budget_total=100000)
    subsidies.choose_programme(deal.sme, deal.need, item)
    one = subsidies.subsidy_for(deal.quotes[0], item)
    # Eligible: licence, implementation, training = 40,000; 30 % = 12,000, capped at 8,000.
    assert (one.eligible_cost, one.amount, one.net, one.limited_by) == (40000, 8000, 42000, "cap")
    item.committed = 95000  # another award took most of the budget
    db.session.flush()
    assert subsidies.subsidy_for(deal.quotes[0], item).amount == 5000
    assert subsidies.subsidy_for(deal.quotes[0], item).limited_by == "budget"


def test_unverified_vendors_are_not_funded_when_the_programme_says_so(admin, db):
    deal = make_deal(vendors=1)
    item = programme(admin)
    deal.vendors[0].organisation.verification = Verification.PENDING
    db.session.flush()
    subsidy = subsidies.subsidy_for(deal.quotes[0], item)
    assert not subsidy.eligible and subsidy.amount == 0
    assert "The vendor is not verified." in subsidy.problems


def test_an_sme_outside_the_programme_is_told_why(admin, db):
    sme = factories.sme_user(region="CN-ZJ", industry="C33")
    need = factories.need(sme, region="CN-ZJ", industry="C33")
    item = programme(admin)
    problems = subsidies.need_problems(need, item)
    assert "Your province is not covered." in problems
    assert "Your industry is not covered." in problems
    with pytest.raises(DomainError):
        subsidies.choose_programme(sme, need, item)


def test_matching_can_count_on_the_subsidy_for_budget_fit(admin, db):
    sme = factories.sme_user()
    need = factories.need(sme, budget_max=70000)
    item = programme(admin, share_percent=30, cap_per_sme=50000)
    assert subsidies.effective_budget(need) == 70000
    subsidies.choose_programme(sme, need, item, budget_after_subsidy=True)
    # 100,000 full price: 30,000 subsidy, 70,000 paid.
    assert subsidies.effective_budget(need) == 100000
    assert subsidies.record_for_matching(need).budget_max == 100000
    assert need.to_record().budget_max == 70000  # the need itself is unchanged
    assert subsidies.gross_budget(70000, item, 10000) == 80000  # past the cap: budget + cap


def test_only_admins_define_programmes(sme, db, sme_client):
    with pytest.raises(Forbidden):
        programme_admin.create_programme(sme, _form())
    assert sme_client.get("/programmes/new").status_code == 403


def test_bad_programme_input_names_the_fields(admin, admin_client, db):
    with pytest.raises(InvalidInput) as info:
        programme_admin.clean_programme(
            _form(share_percent="0", ends_on="2020-01-01", regions=["XX"])
        )
    assert {"share_percent", "ends_on", "regions"} <= set(info.value.errors)
    page = submit(admin_client, "/programmes/new", _form(ends_on="2020-01-01"))
    assert page.status_code == 422 and "must end after it starts" in page.get_data(as_text=True)


def test_the_budget_cannot_drop_below_what_is_committed(admin, db):
    item = programme(admin)
    item.committed = 150000
    db.session.flush()
    with pytest.raises(InvalidInput, match="correct"):
        programme_admin.update_programme(admin, item, {**item.fields(), "budget_total": 100000})


def test_the_database_refuses_an_overspent_programme(admin, db):
    programme(admin, budget_total=1000)
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.update(Programme).values(committed=1001))
    db.session.rollback()


def test_an_award_without_a_chosen_programme_commits_nothing(admin, db):
    deal = make_deal(vendors=1)
    item = programme(admin)
    engagements.award(deal.sme, deal.quotes[0])
    db.session.commit()
    assert db.session.get(Programme, item.id).committed == 0


def test_two_awards_share_the_budget_without_overspending_it(admin, db):
    item = programme(admin, budget_total=20000, cap_per_sme=50000)
    deals_made = [make_deal(vendors=1) for _ in range(2)]
    for deal in deals_made:
        subsidies.choose_programme(deal.sme, deal.need, item)
    db.session.commit()
    for deal in deals_made:
        engagements.award(deal.sme, deal.quotes[0])
        db.session.commit()
    item = db.session.get(Programme, item.id)
    amounts = sorted(c.amount for c in subsidies.commitments(item))
    assert amounts == [8000, 12000] and item.committed == 20000 and item.remaining == 0
