"""Migrations build the schema from nothing, tear it down again, and agree with the models."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from app import create_app
from app.extensions import db
from tests import dbutil


@contextmanager
def empty_database(tmp_path) -> Iterator[str]:
    url = dbutil.base_url()
    if dbutil.is_postgres(url):
        with dbutil.scratch_postgres_database(url, "migrations") as scratch:
            yield scratch
    else:
        yield "sqlite:///" + str(tmp_path / "migrations.sqlite")


def test_upgrade_from_empty_matches_the_models_and_downgrades_to_base(tmp_path):
    with empty_database(tmp_path) as url:
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade()
            with db.engine.connect() as conn:
                diff = compare_metadata(
                    MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata
                )
                assert diff == [], f"models and migrations disagree: {diff}"
                tables = set(sa.inspect(conn).get_table_names())
            assert {"users", "plugin_listings", "needs", "quotes", "reviews"} <= tables

            downgrade(revision="base")
            with db.engine.connect() as conn:
                assert set(sa.inspect(conn).get_table_names()) <= {"alembic_version"}
            db.engine.dispose()


def test_migration_files_have_sortable_names():
    versions = Path(__file__).parent.parent / "migrations" / "versions"
    names = sorted(p.name for p in versions.glob("*.py"))
    assert names
    pattern = re.compile(r"^\d{8}_\d{4}_[0-9a-f]+_\w+\.py$")
    assert all(pattern.match(name) for name in names), names


def test_vendor_suspension_marker_moves_from_the_reason_text_to_a_column(tmp_path):
    with empty_database(tmp_path) as url:
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade(revision="b7d41c2e9a10")
            with db.engine.begin() as conn:
                conn.execute(
                    sa.text(
                        "INSERT INTO organisations (id, name, kind, verification, created_at,"
                        " updated_at) VALUES (1, 'V', 'vendor', 'suspended', :t, :t)"
                    ),
                    {"t": "2026-11-30 00:00:00"},
                )
                for slug, reason in (("a", "vendor suspended: fraud"), ("b", "own reason")):
                    conn.execute(
                        sa.text(
                            "INSERT INTO plugin_listings (slug, vendor_id, status, source,"
                            " version, health, hook_failures, views, name, capabilities,"
                            " industries, regions, company_sizes, deployment, maturity_levels,"
                            " rejection_reason, created_at, updated_at) VALUES (:slug, 1,"
                            " 'suspended', 'portal', '0.1.0', 'ok', 0, 0, :slug, '[]', '[]', '[]',"
                            " '[]', '[]', '[]', :reason, :t, :t)"
                        ),
                        {"slug": slug, "reason": reason, "t": "2026-11-30 00:00:00"},
                    )
            upgrade()
            with db.engine.connect() as conn:
                found = conn.execute(
                    sa.text(
                        "SELECT slug, suspended_with_vendor, rejection_reason"
                        " FROM plugin_listings ORDER BY slug"
                    )
                )
                rows = {slug: (bool(flag), reason) for slug, flag, reason in found}
            assert rows == {"a": (True, "fraud"), "b": (False, "own reason")}
            downgrade(revision="b7d41c2e9a10")
            with db.engine.connect() as conn:
                reasons = conn.execute(
                    sa.text("SELECT rejection_reason FROM plugin_listings ORDER BY slug")
                ).scalars()
                assert list(reasons) == ["vendor suspended: fraud", "own reason"]
            db.engine.dispose()
