"""The last line of defence behind the need lock: the partial unique index on accepted quotes.

The races themselves (two awards, accept against withdraw, …) run on real PostgreSQL
connections in tests/test_races.py; this runs on every database.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.errors import DomainError
from app.extensions import db as _db
from app.models import Engagement, Quote, QuoteStatus
from app.services import engagements
from tests.deal_builders import make_deal


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
        engagements.award(deal.sme, second)
    assert info.value.status == 409
    _db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Engagement.id))) == 0
