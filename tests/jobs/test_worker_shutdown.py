"""``flask jobs worker`` stops when its process manager asks it to (SIGTERM), after the job
in hand, instead of starting RQ again and waiting for SIGKILL, with Redis up or down."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from flask_migrate import upgrade

from app import create_app
from app.extensions import db
from tests.redis_server import RedisServer

FLASK = str(Path(sys.executable).parent / "flask")
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(120)
@pytest.mark.parametrize("redis_down", [False, True], ids=["redis up", "redis down"])
def test_the_worker_stops_on_sigterm(tmp_path, redis_down):
    db_url = f"sqlite:///{tmp_path / 'portal.sqlite'}"
    portal = create_app("testing", {"SQLALCHEMY_DATABASE_URI": db_url})
    with portal.app_context():
        upgrade()
        db.engine.dispose()
    redis = RedisServer().start()
    env = {
        **os.environ,
        "FLASK_APP": "app:create_app",
        "DATABASE_URL": db_url,
        "SHUZHUAN_INSTANCE": str(tmp_path),
        "JOBS": "rq",
        "REDIS_URL": redis.url,
        "JOBS_SWEEP_SECONDS": "1",
        "PYTHONUNBUFFERED": "1",
    }
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        worker = subprocess.Popen(
            [FLASK, "jobs", "worker"], env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + 60
            while "Listening on" not in log.read_text() and time.monotonic() < deadline:
                time.sleep(0.2)
            assert "Listening on" in log.read_text(), log.read_text()
            if redis_down:  # RQ's own clean-up then fails: the worker must stop all the same
                redis.stop()
                time.sleep(1)
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(timeout=20) == 0, log.read_text()
            assert log.read_text().count("Listening on") == 1  # RQ was not started again
            assert "Traceback" not in log.read_text()
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
            redis.stop()
