"""Two SMEs award at the same moment under one programme with budget for one subsidy:
the programme row lock lets exactly one full subsidy through and the other gets what is left
(nothing), never more than the budget. Needs PostgreSQL's row locks (CI's db pass)."""

from __future__ import annotations

import threading
import time

import pytest

from app.extensions import db as _db
from app.models import Programme, Quote, User
from app.services import engagements, subsidies
from tests import dbutil
from tests.deal_builders import make_deal
from tests.programmes.helpers import programme


@pytest.mark.skipif(
    not dbutil.is_postgres(dbutil.base_url()), reason="needs PostgreSQL (TEST_DATABASE_URL)"
)
def test_concurrent_awards_never_overspend_the_programme(app, admin, db):
    item = programme(admin, budget_total=12000, cap_per_sme=50000)
    made = [make_deal(vendors=1) for _ in range(2)]
    for deal in made:
        subsidies.choose_programme(deal.sme, deal.need, item)
    db.session.commit()
    pairs = [(d.sme.id, d.quotes[0].id) for d in made]
    programme_id = item.id
    db.session.remove()
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def award(user_id: int, quote_id: int) -> None:
        with app.app_context():
            try:
                user = _db.session.get(User, user_id)
                quote = _db.session.get(Quote, quote_id)
                start.wait(timeout=10)
                engagements.award(user, quote)
                time.sleep(0.3)  # hold the programme lock while the other award waits
                _db.session.commit()
            except BaseException as exc:
                _db.session.rollback()
                errors.append(exc)
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=award, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    item = db.session.get(Programme, programme_id)
    amounts = [c.amount for c in subsidies.commitments(item)]
    assert amounts == [12000] and item.committed == 12000
