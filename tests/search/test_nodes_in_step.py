"""Two portal machines on one database: a listing approved on one is found on the other.

Each machine has its own instance folder and search index; the background job that indexes
a change runs on one of them. The other catches up from the change log in the database.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from app import create_app
from app.extensions import db as _db
from app.models import ListingStatus, OutboxJob
from app.services import listings
from app.services.catalogue_log import CatalogueFollower
from app.services.search import catalogue_index
from tests import factories


@pytest.fixture
def other_machine(app, db, tmp_path) -> Iterator[Flask]:
    """A second portal on the same database with its own index, following every 0 s."""
    other = create_app(
        {
            **{key: app.config[key] for key in ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI")},
            "TESTING": True,
            "JOBS": "sync",
            "LOG_LEVEL": "WARNING",
            "SEARCH_INDEX_DIR": str(tmp_path / "machine-b"),
            "CATALOGUE_FOLLOW_SECONDS": 0,
        }
    )
    yield other
    index = other.extensions.get("shuzhuan.search")
    if index is not None:
        index.close()  # its pooled searchers hold machine B's segment files open
    with other.app_context():
        _db.engine.dispose()


def _found_on(machine: Flask, text: str) -> list[str]:
    with machine.app_context():
        return [hit.slug for hit in catalogue_index().search(q=text).hits]


def test_a_listing_approved_on_one_machine_is_found_on_the_other(db, vendor, admin, other_machine):
    assert _found_on(other_machine, "pumps") == []  # machine B builds its index now
    listing = factories.listing(
        vendor,
        slug="pump-watch",
        name="Pump vibration watch",
        summary="Vibration sensors tell you a pump will fail before it does.",
        lang="en",
        status=ListingStatus.PENDING_REVIEW,
    )
    listings.approve(admin, listing)  # on machine A: its job indexes A's index only
    db.session.commit()
    assert [hit.slug for hit in catalogue_index().search(q="pump vibration").hits] == ["pump-watch"]
    assert _found_on(other_machine, "pump vibration") == ["pump-watch"]

    listings.suspend(admin, listing, "Out of date prices")
    db.session.commit()
    assert _found_on(other_machine, "pump vibration") == []


def test_a_machine_that_starts_later_follows_from_its_fresh_index(db, vendor, other_machine):
    factories.listing(vendor, slug="early-bird", name="Early bird scheduling", lang="en")
    assert _found_on(other_machine, "early bird") == ["early-bird"]  # built from the database


def test_a_transaction_that_commits_late_is_applied_once(db, tmp_path):

    applied: list[list[str]] = []
    follower = CatalogueFollower(tmp_path, applied.append, lambda: None, interval=0)

    def job(slug: str, **fields) -> OutboxJob:
        row = OutboxJob(task="index_listings", payload={"slugs": [slug]}, **fields)
        db.session.add(row)
        db.session.commit()
        return row

    job("before-start")
    follower.follow()  # a fresh index starts at the newest change (and re-reads recent ones)
    applied.clear()
    late = job("late")  # its id is taken first …
    job("early")
    db.session.delete(late)  # … stand-in for "not committed yet": remove, then re-add the id
    db.session.commit()
    follower.follow()
    assert applied == [["early"]]
    db.session.add(OutboxJob(id=late.id, task="index_listings", payload={"slugs": ["late"]}))
    db.session.commit()
    follower.follow()
    follower.follow()
    assert applied == [["early"], ["late"]]  # the late one once, the early one not again
