"""On SQLite (the default) a page can read while a background job holds the write lock."""

from __future__ import annotations

import sqlite3

import sqlalchemy as sa

from app.extensions import SQLITE_BUSY_TIMEOUT_MS


def _sqlite_engine(path) -> sa.Engine:
    # app.extensions (imported above) sets up every SQLite connection any engine opens.
    return sa.create_engine(f"sqlite:///{path}")


def test_sqlite_connections_use_wal_and_wait_for_the_lock(tmp_path):
    engine = _sqlite_engine(tmp_path / "wal.sqlite")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == SQLITE_BUSY_TIMEOUT_MS
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_a_reader_is_not_blocked_by_a_writer_holding_the_lock(tmp_path):
    path = tmp_path / "readers.sqlite"
    engine = _sqlite_engine(path)  # the app's connections set up the file
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (n INTEGER)")
        conn.exec_driver_sql("INSERT INTO t VALUES (1)")
    engine.dispose()
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN EXCLUSIVE")  # as a long re-match does once its changes spill to disk
    writer.execute("INSERT INTO t VALUES (2)")
    reader = sqlite3.connect(path, timeout=0)  # a page that does not wait at all
    try:
        assert reader.execute("SELECT count(*) FROM t").fetchone() == (1,)  # the committed row
    finally:
        reader.close()
        writer.execute("ROLLBACK")
        writer.close()
