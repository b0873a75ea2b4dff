"""Maturity self-assessment: a new SME answers in either language and gets a level, a radar
chart, its weakest items and proposed needs it accepts one by one; re-assessing shows progress;
old results keep their questionnaire edition."""

from __future__ import annotations

import re
import shutil

import pytest
import sqlalchemy as sa

from app.errors import InvalidInput
from app.models import Assessment, Need, NeedProposal, NeedStatus, ProposalStatus
from app.programmes.editions import DATA_DIR, EditionError, level_for, load_edition
from app.services import assessment
from tests import factories
from tests.conftest import submit
from tests.programmes.helpers import answers


def _result_id(response) -> int:
    return int(re.search(r"/programmes/assessment/(\d+)$", response.headers["Location"]).group(1))


def test_levels_follow_the_evaluation_bands():
    assert [level_for(t) for t in (0, 19.99, 20, 39.9, 40, 59.99, 60, 79.9, 80, 100)] == [
        0, 0, 1, 1, 2, 2, 3, 3, 4, 4,
    ]  # fmt: skip


def test_the_bundled_edition_has_four_dimensions_scored_to_100():
    edition = load_edition(DATA_DIR / "manufacturing-2024.1.toml")
    assert [d.name_zh for d in edition.dimensions] == [
        "数字化基础",
        "数字化经营",
        "数字化管理",
        "数字化成效",
    ]
    assert sum(item.points for item in edition.items) == 100


def test_a_broken_edition_file_is_refused_with_its_path(tmp_path):
    text = (DATA_DIR / "manufacturing-2024.1.toml").read_text(encoding="utf-8")
    broken = tmp_path / "broken.toml"
    broken.write_text(text.replace("weight = 25", "weight = 30", 1), encoding="utf-8")
    with pytest.raises(EditionError, match=r"(?s)broken\.toml.*add up to 100"):
        load_edition(broken)


def test_a_new_sme_takes_the_assessment_in_english_and_gets_level_chart_and_proposals(
    sme_client, sme, db
):
    page = sme_client.get("/programmes/assessment/new").get_data(as_text=True)
    assert "Digital foundation" in page and "Is data from your production machines" in page
    # Mostly the second answer (35 %), planning and shop floor at the bottom.
    response = submit(
        sme_client,
        "/programmes/assessment/new",
        answers(1, planning=0, execution=0, equipment=0),
    )
    assert response.status_code == 302
    result = db.session.get(Assessment, _result_id(response))
    assert result.total == pytest.approx(100 * 0.35 - (6 + 6 + 7) * 0.35)
    assert result.level == 1
    assert db.session.get(type(sme.organisation), sme.organisation_id).maturity_level == 1

    page = sme_client.get(response.headers["Location"]).get_data(as_text=True)
    assert '<svg class="sz-radar"' in page and 'data-series="current"' in page
    assert 'data-level="1"' in page and "Level 1 (20-40 points)" in page
    weakest = page.split('id="weakest"')[1].split("</ol>")[0]
    assert "Connected equipment" in weakest and "Production planning" in weakest
    proposals = db.session.scalars(
        sa.select(NeedProposal).where(NeedProposal.assessment_id == result.id)
    ).all()
    assert [p.item_id for p in proposals] == ["equipment", "planning", "execution"]
    assert proposals[0].capabilities == ["production.iiot"] and proposals[0].lang == "en"
    # Proposals are not needs: nothing was created behind the SME's back.
    assert db.session.scalar(sa.select(sa.func.count(Need.id))) == 0


def test_the_same_assessment_in_chinese(sme_client, sme, db):
    sme_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    page = sme_client.get("/programmes/assessment/new").get_data(as_text=True)
    assert "数字化基础" in page and "生产设备的数据是否能自动采集" in page
    response = submit(sme_client, "/programmes/assessment/new", answers(2))
    page = sme_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "三级（60-80分）" in page and "数字化成效" in page and "sz-radar" in page
    result = db.session.get(Assessment, _result_id(response))
    assert result.total == 70 and result.level == 3 and result.lang == "zh"
    assert result.proposals == []  # every item earns 70 %: no gap worth a need


def test_unanswered_questions_are_named_and_nothing_is_saved(sme_client, db):
    partial = answers(1)
    del partial["energy"]
    partial["security"] = "9"
    page = submit(sme_client, "/programmes/assessment/new", partial)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Please answer every question." in text and text.count("invalid-feedback") == 2
    assert db.session.scalar(sa.select(sa.func.count(Assessment.id))) == 0


def test_accepting_a_proposal_posts_a_matched_need_with_its_capabilities(
    sme_client, sme, vendor, db
):

    factories.listing(vendor, capabilities=["production.planning"])
    response = submit(sme_client, "/programmes/assessment/new", answers(1, planning=0))
    result_url = response.headers["Location"]
    proposal = db.session.scalar(sa.select(NeedProposal).where(NeedProposal.item_id == "planning"))
    posted = submit(
        sme_client,
        f"/programmes/proposals/{proposal.id}/accept",
        {"budget_max": "90000"},
        form_url=result_url,
    )
    need = db.session.scalar(sa.select(Need))
    assert posted.headers["Location"].endswith(f"/needs/{need.id}")
    assert need.status == NeedStatus.OPEN and need.capabilities == ["production.planning"]
    assert need.budget_max == 90000 and need.maturity_level == 1 and need.industry == "C17"
    assert need.matches, "the matcher serves the accepted need"
    assert db.session.get(NeedProposal, proposal.id).status == ProposalStatus.ACCEPTED
    again = submit(
        sme_client, f"/programmes/proposals/{proposal.id}/accept", {}, form_url=result_url
    )
    assert again.status_code == 409


def test_another_sme_cannot_touch_the_proposals(sme, db):

    result = assessment.submit(sme, answers(0), lang="en")
    db.session.commit()
    other = factories.sme_user()
    with pytest.raises(Exception, match="No such proposal"):
        assessment.get_proposal(other, result.proposals[0].id)
    with pytest.raises(Exception, match="No such assessment"):
        assessment.get_assessment(other, result.id)


def test_reassessing_shows_progress_against_the_earlier_result(sme_client, db):
    submit(sme_client, "/programmes/assessment/new", answers(1))
    response = submit(sme_client, "/programmes/assessment/new", answers(2))
    page = sme_client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-series="previous"' in page
    assert "35.0 → 70.0 points (+35.0)" in page and "You moved up a level." in page


def test_old_results_keep_their_edition(app, sme, db, tmp_path):
    shutil.copy(DATA_DIR / "manufacturing-2024.1.toml", tmp_path)
    text = (DATA_DIR / "manufacturing-2024.1.toml").read_text(encoding="utf-8")
    newer = text.replace('edition = "manufacturing-2024.1"', 'edition = "manufacturing-2025.1"')
    newer = newer.replace("published = 2024-06-01", "published = 2025-06-01")
    newer = newer.replace('name_en = "Connected equipment"', 'name_en = "Machines online"')
    (tmp_path / "manufacturing-2025.1.toml").write_text(newer, encoding="utf-8")

    old = assessment.submit(sme, answers(1), lang="en")
    db.session.commit()
    app.config["ASSESSMENT_EDITIONS_DIR"] = str(tmp_path)
    try:
        assert assessment.current_edition().edition == "manufacturing-2025.1"
        assert assessment.edition_of(old).item("equipment").name_en == "Connected equipment"
        new = assessment.submit(sme, answers(1), lang="en")
        assert new.edition == "manufacturing-2025.1" and old.edition == "manufacturing-2024.1"
    finally:
        app.config.pop("ASSESSMENT_EDITIONS_DIR")


def test_invalid_answers_raise_invalid_input(sme, db):
    with pytest.raises(InvalidInput) as info:
        assessment.submit(sme, {**answers(1), "equipment": True, "nope": "1"}, lang="en")
    assert set(info.value.errors) == {"equipment", "nope"}


def test_vendors_cannot_take_the_assessment(vendor_client):
    assert vendor_client.get("/programmes/assessment/new").status_code == 403
