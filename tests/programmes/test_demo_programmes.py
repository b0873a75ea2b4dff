"""The demo tells the public-programme story: a Jiangxi textile programme, an assessed mill,
a need applying with the programme, an award that commits a subsidy, a three-mill pool."""

from __future__ import annotations

import sqlalchemy as sa

from app.models import Assessment, MemberStatus, Need, Pool, Programme, ProgrammeCommitment, User
from tests.conftest import english


def test_the_demo_has_the_programme_story(app, db):
    assert app.test_cli_runner().invoke(args=["demo", "load"]).exit_code == 0
    programme = db.session.scalar(sa.select(Programme))
    assert "CN-JX" in programme.regions and programme.share_percent == 30
    commitment = db.session.scalar(sa.select(ProgrammeCommitment))
    assert programme.committed == commitment.amount > 0
    assert programme.remaining == programme.budget_total - commitment.amount
    jinxiu = db.session.scalar(sa.select(User).where(User.email == "jinxiu@shuzhuan.demo"))
    result = db.session.scalar(sa.select(Assessment))
    assert result.organisation_id == jinxiu.organisation_id and result.level == 1
    assert len(result.proposals) == 3
    pool = db.session.scalar(sa.select(Pool))
    assert len(pool.active_members) == 3
    assert [m.status for m in pool.active_members].count(MemberStatus.AWARDED) == 2

    client = english(app.test_client(user=jinxiu))
    samples = db.session.scalar(sa.select(Need).where(Need.title.like("打样单1公斤%")))
    compare = client.get(f"/needs/{samples.id}/quotes").get_data(as_text=True)
    assert 'id="price-after-subsidy"' in compare and "赣州市纺织服装产业" in compare  # her locale
    page = client.get(f"/programmes/assessment/{result.id}").get_data(as_text=True)
    assert "sz-radar" in page and 'data-level="1"' in page
    assert client.get(f"/programmes/pools/{pool.id}").status_code == 200
