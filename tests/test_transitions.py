"""The transition mechanism: the need lock, the retry policy and the one commit per request.

The races themselves run on PostgreSQL in tests/test_races.py; these check the parts on
every database: the lock really keeps a second writer out, a locked read sees what another
connection committed, deadlocks are retried and then answered 409 or 503, and a page
commits exactly when it succeeds.
"""

from __future__ import annotations

import itertools

import pytest
import sqlalchemy as sa
from flask import Blueprint, flash, get_flashed_messages
from sqlalchemy import exc as sa_exc

from app import create_app
from app.errors import Conflict, DomainError, NotFound, Unavailable
from app.extensions import db as _db
from app.models import Need, NeedStatus, Notification, User
from app.services import transitions
from app.web.boundary import discard
from tests import dbutil, factories
from tests.conftest import english


def second_engine(app) -> sa.Engine:
    """Another connection pool to the same database, as another process would have."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    args = {} if dbutil.is_postgres(url) else {"timeout": 0}  # SQLite: fail, do not wait
    return sa.create_engine(url, connect_args=args)


def test_a_locked_need_keeps_a_second_writer_out_until_the_lock_ends(app, db):
    need_id = factories.need(factories.sme_user()).id
    other = second_engine(app)
    postgres = other.dialect.name == "postgresql"
    grab = (
        sa.text("SELECT id FROM needs WHERE id = :id FOR NO KEY UPDATE NOWAIT")
        if postgres
        else sa.text("UPDATE needs SET id = id WHERE id = :id")
    )
    try:
        transitions.lock_need(need_id)
        with pytest.raises(sa_exc.OperationalError), other.begin() as conn:
            conn.execute(grab, {"id": need_id})
        db.session.rollback()  # the lock ends with the transaction
        with other.begin() as conn:
            conn.execute(grab, {"id": need_id})
    finally:
        other.dispose()


def test_a_locked_need_is_read_as_another_connection_committed_it(app, db):
    need = factories.need(factories.sme_user())
    assert need.status == NeedStatus.OPEN
    other = second_engine(app)
    try:
        with other.begin() as conn:
            conn.execute(sa.update(Need).where(Need.id == need.id).values(status="cancelled"))
    finally:
        other.dispose()
    assert transitions.lock_need(need.id).status == NeedStatus.CANCELLED
    assert need.status == NeedStatus.CANCELLED  # the caller's own object is fresh too
    db.session.rollback()


def test_locking_a_missing_need_is_not_found(db):
    with pytest.raises(NotFound):
        transitions.lock_need(987654)


class FakeDriverError(Exception):
    def __init__(self, sqlstate: str):
        super().__init__(f"SQLSTATE {sqlstate}")
        self.sqlstate = sqlstate


def failing(sqlstate: str, times: int):
    calls = itertools.count(1)

    def work() -> str:
        n = next(calls)
        if n <= times:
            raise sa_exc.OperationalError("UPDATE needs …", {}, FakeDriverError(sqlstate))
        return f"done on attempt {n}"

    return work


def test_a_deadlock_is_run_again_and_then_succeeds(db, monkeypatch):
    monkeypatch.setattr(transitions.time, "sleep", lambda seconds: None)
    assert transitions.run(failing("40P01", 2)) == "done on attempt 3"


def test_deadlocks_that_persist_answer_409_and_lock_timeouts_503(db, monkeypatch):
    monkeypatch.setattr(transitions.time, "sleep", lambda seconds: None)
    with pytest.raises(Conflict) as conflict:
        transitions.run(failing("40001", transitions.ATTEMPTS))
    assert conflict.value.status == 409
    with pytest.raises(Unavailable) as busy:
        transitions.run(failing("55P03", transitions.ATTEMPTS))
    assert busy.value.status == 503 and busy.value.retry_after > 0


def test_other_database_errors_are_not_retried(db):
    with pytest.raises(sa_exc.OperationalError):
        transitions.run(failing("42P01", 1))  # undefined table: running again cannot help


def test_a_unique_violation_at_commit_is_a_409_and_the_session_stays_usable(db):
    user = factories.sme_user()

    def duplicate() -> None:
        _db.session.add(User(email=user.email, name="Twin", role=user.role, password_hash="x"))

    with pytest.raises(Conflict) as info:
        transitions.run(duplicate)
    assert info.value.status == 409
    assert _db.session.get(User, user.id).email == user.email  # no PendingRollbackError


# --- one commit per page request ------------------------------------------------------------


@pytest.fixture
def probe(app, db, tmp_path):
    """A portal with a few test pages that add a notification and then end in each way."""
    pages = Blueprint("probe", __name__)
    state = {"user_id": factories.sme_user().id, "deadlocks": 0}

    def note(text: str) -> None:
        _db.session.add(Notification(user_id=state["user_id"], kind="probe", params={}))
        flash(text, "success")

    @pages.route("/ok", methods=["POST"])
    def ok():
        note("saved")
        return "ok"

    @pages.route("/error-status", methods=["POST"])
    def error_status():
        note("saved")
        return "refused", 422

    @pages.route("/discarded", methods=["POST"])
    def discarded():
        note("saved")
        discard()
        return "shown again"

    @pages.route("/refused", methods=["POST"])
    def refused():
        note("saved")
        raise DomainError("refused by the rules")

    @pages.route("/deadlock-once", methods=["POST"])
    def deadlock_once():
        note("saved")
        if state["deadlocks"] == 0:
            state["deadlocks"] += 1
            raise sa_exc.OperationalError("UPDATE …", {}, FakeDriverError("40P01"))
        return "ok"

    @pages.route("/flashes")
    def flashes():
        return {"messages": get_flashed_messages()}

    portal = create_app(
        {
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "SEARCH_INDEX_DIR": str(tmp_path / "search"),
        }
    )
    portal.register_blueprint(pages, url_prefix="/probe")
    yield english(portal.test_client()), state
    with portal.app_context():
        _db.engine.dispose()


def stored(state) -> int:
    _db.session.expire_all()
    return _db.session.scalar(
        sa.select(sa.func.count(Notification.id)).where(Notification.user_id == state["user_id"])
    )


@pytest.mark.parametrize(
    ("page", "status", "kept"),
    [
        ("ok", 200, 1),
        ("error-status", 422, 0),
        ("discarded", 200, 0),
        ("refused", 409, 0),
        ("deadlock-once", 200, 1),
    ],
)
def test_a_page_commits_once_when_it_succeeds_and_nothing_otherwise(probe, page, status, kept):
    client, state = probe
    response = client.post(f"/probe/{page}")
    assert response.status_code == status
    assert stored(state) == kept
    shown = client.get("/probe/flashes").get_json()["messages"]
    # A page that raised does not greet the user with "saved" afterwards, and a retried
    # one says it once; a page that answers a refusal itself keeps what it chose to say.
    assert shown == ([] if page == "refused" else ["saved"])
