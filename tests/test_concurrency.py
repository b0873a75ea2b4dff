"""Two SMEs' browser tabs award two quotes of one need at the same moment: exactly one wins.

The race needs a database with real row locks and concurrent connections, so the threaded
test runs on PostgreSQL only (CI: TEST_DATABASE_URL=postgresql+psycopg://… pytest -m db).
The last line of defence, the partial unique index on accepted quotes, is tested everywhere.
"""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from app.errors import DomainError
from app.extensions import db as _db
from app.models import Engagement, Need, NeedStatus, Quote, QuoteStatus, User
from app.services import deals
from tests import dbutil
from tests.deal_builders import make_deal


@pytest.mark.skipif(
    not dbutil.is_postgres(dbutil.base_url()), reason="needs PostgreSQL (TEST_DATABASE_URL)"
)
def test_two_concurrent_awards_of_one_need_end_with_one_accepted_quote(app, db):
    deal = make_deal(vendors=2)
    user_id, need_id = deal.sme.id, deal.need.id
    quote_ids = [q.id for q in deal.quotes]
    db.session.remove()  # the threads' sessions are the only ones at work

    start = threading.Barrier(2)
    results: dict[int, str] = {}

    def award(quote_id: int, hold: float) -> None:
        with app.app_context():
            user = _db.session.get(User, user_id)
            quote = _db.session.get(Quote, quote_id)
            start.wait(timeout=10)
            try:
                deals.award(user, quote)
                time.sleep(hold)  # keep the lock while the other tab tries
                _db.session.commit()
                results[quote_id] = "accepted"
            except DomainError as exc:
                _db.session.rollback()
                results[quote_id] = f"refused: {exc.message}"
            finally:
                _db.session.remove()

    threads = [
        threading.Thread(target=award, args=(quote_ids[0], 0.3)),
        threading.Thread(target=award, args=(quote_ids[1], 0.3)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    outcomes = sorted(results.values())
    assert len(outcomes) == 2, results
    assert outcomes[0] == "accepted" and outcomes[1].startswith("refused"), results
    statuses = db.session.scalars(sa.select(Quote.status).where(Quote.need_id == need_id)).all()
    assert sorted(statuses) == sorted([QuoteStatus.ACCEPTED, QuoteStatus.REJECTED])
    assert db.session.scalar(sa.select(sa.func.count(Engagement.id))) == 1
    assert db.session.get(Need, need_id).status == NeedStatus.AWARDED


def test_the_unique_index_turns_a_second_acceptance_into_a_clear_error(app, db):
    """Should two awards slip past the lock, the database refuses the second (409)."""
    deal = make_deal(vendors=2)
    first, second = deal.quotes
    # Another process accepted the first quote without going through the service.
    with _db.engine.begin() as conn:
        conn.execute(
            sa.update(Quote).where(Quote.id == first.id).values(status=QuoteStatus.ACCEPTED)
        )
    _db.session.expire_all()
    with pytest.raises(DomainError, match="accepted for this need a moment ago") as info:
        deals.award(deal.sme, second)
    assert info.value.status == 409
    _db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Engagement.id))) == 0
