"""A worker killed while it hands a mail to the SMTP server loses no mail (issue 14).

SMTP cannot be exactly-once across a crash between the server's "250" and the worker's
commit: the mail is sent again by the next worker. It goes out again with the same
Message-ID, so the receiving side can tell it is one mail; nothing is lost.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from app import create_app
from app.extensions import db
from app.models import MailMessage, MailStatus, OutboxJob, Role
from app.services import accounts, recovery
from tests.smtp import bare_smtp_server

FLASK = str(Path(sys.executable).parent / "flask")
ROOT = Path(__file__).resolve().parents[2]


def _env(tmp_path: Path, db_url: str, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "FLASK_APP": "app:create_app",
        "DATABASE_URL": db_url,
        "SHUZHUAN_INSTANCE": str(tmp_path),
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(port),
        "MAIL_BACKEND": "smtp",
        "JOBS": "rq",
        "REDIS_URL": "redis://127.0.0.1:1/0",  # no Redis: the worker runs jobs from the table
        "JOBS_LEASE_SECONDS": "1",
        "LOG_LEVEL": "WARNING",
    }


def _worker(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [FLASK, "jobs", "worker", "--burst"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


@pytest.mark.timeout(180)
def test_a_worker_killed_during_delivery_loses_nothing(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'portal.sqlite'}"
    portal = create_app(
        "testing",
        {"SQLALCHEMY_DATABASE_URI": db_url, "JOBS": "rq", "REDIS_URL": "redis://127.0.0.1:1/0"},
    )
    with portal.app_context():
        upgrade()
        user = accounts.register(
            verified=False,
            email="li@example.com",
            password="correct horse battery",
            name="Li Wei",
            role=Role.SME,
            organisation={"name": "赣州锦绣纺织", "industry": "C17", "region": "CN-JX"},
        )
        mail_id = recovery.send_verification(user).id
        db.session.commit()  # the hand-off to Redis fails: the job waits in the table

    with bare_smtp_server() as (server, port):
        env = _env(tmp_path, db_url, port)
        server.stall_next = 1  # the first delivery hangs after the server has the message
        first = _worker(env)
        assert server.stalled.wait(120), first.communicate()[0]
        first.send_signal(signal.SIGKILL)
        first.wait(30)
        first.stdout.close()
        time.sleep(1.5)  # the killed worker's lease runs out
        second = _worker(env)
        output = second.communicate(timeout=120)[0].decode()
        assert second.returncode == 0, output

    with portal.app_context():
        mail = db.session.get(MailMessage, mail_id)
        assert mail.status == MailStatus.SENT
        job = db.session.scalar(sa.select(OutboxJob).where(OutboxJob.task == "deliver_mail"))
        assert str(job.status) == "done"
        db.engine.dispose()
    received = server.to("li@example.com")
    assert len(received) == 2  # the killed attempt and the retry …
    assert received[0].message["Message-ID"] == received[1].message["Message-ID"]  # … one mail
