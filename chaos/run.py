"""``make chaos``: conflicting transitions under faults, against a production-like local setup.

What it starts, all on free ports, all stopped at the end:

- a scratch PostgreSQL database on the shared server (dropped afterwards), reached by the app
  through a :class:`~chaos.proxy.TcpProxy` so the database can "go away" without touching
  the server;
- its own ``redis-server`` (rate limits and the job queue; the shared one is never touched);
- gunicorn with ``gunicorn.conf.py`` and several workers, and an RQ worker
  (``flask jobs worker``), both in production configuration.

Then clients race the conflicting transitions through the API (``CHAOS_ROUNDS`` rounds per
pair, default 100) while faults are injected: a gunicorn worker is killed, the RQ worker is
killed and restarted, Redis is stopped and restarted empty, the database proxy is cut for
``CHAOS_OUTAGE_SECONDS`` (10). Clients behave as a careful client should: on a 503 or a
dropped connection they retry the same request with the same ``Idempotency-Key``.

It prints a ledger — what clients were told (status codes per action) against the rows
stored (winners per need, audit events, notifications, outbox jobs) — and exits 1 on any
doubled effect, lost change, a round without exactly one winner, or a 5xx other than 503.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date, timedelta
from http.client import HTTPException
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from app import create_app
from app.extensions import db
from app.models import User
from app.services import engagements, quotes, rfqs, tokens
from chaos.proxy import TcpProxy
from tests import factories
from tests.api.helpers import plugin, uscc
from tests.dbutil import scratch_postgres_database
from tests.deal_builders import quote_terms
from tests.redis_server import RedisServer, free_port

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = int(os.environ.get("CHAOS_ROUNDS", "100"))
WORKERS = int(os.environ.get("CHAOS_WEB_WORKERS", "4"))
CLIENT_ROUNDS_AT_ONCE = int(os.environ.get("CHAOS_PARALLEL_ROUNDS", "6"))
SEED_THREADS = 4
LOAD_SECONDS = float(os.environ.get("CHAOS_LOAD_SECONDS", "50"))
OUTAGE_SECONDS = float(os.environ.get("CHAOS_OUTAGE_SECONDS", "10"))
PG_URL = os.environ.get(
    "CHAOS_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
RETRY_FOR_SECONDS = 60  # a client keeps retrying a 503 or a dropped connection this long

PAIRS = (
    "accept × withdraw",
    "award × new quote",
    "award × award",
    "complete × complete",
    "RFQ cap (10 at once, cap 5)",
    "review × review",
)


# --- what clients were told ---------------------------------------------------------------


@dataclass
class Action:
    name: str  # e.g. "accept", "withdraw"
    method: str
    path: str
    token: str
    body: dict | None = None
    status: int | str | None = None  # the final answer after retries
    detail: str = ""
    attempts: list = field(default_factory=list)


@dataclass
class Round:
    pair: str
    need_id: int
    actions: list[Action]
    ids: dict = field(default_factory=dict)


class Api:
    def __init__(self, base: str):
        self.base = base

    def call(self, action: Action) -> None:
        key = uuid.uuid4().hex
        deadline = time.monotonic() + RETRY_FOR_SECONDS
        while True:
            status, body = self._send(action, key)
            action.attempts.append(status)
            if status in (503, "dropped") and time.monotonic() < deadline:
                time.sleep(0.3 + random.random() * 0.4)
                continue
            action.status = status
            action.detail = body.get("detail", "") or json.dumps(body, ensure_ascii=False)
            return

    def _send(self, action: Action, key: str) -> tuple[int | str, dict]:
        data = json.dumps(action.body).encode() if action.body is not None else None
        request = urllib.request.Request(
            self.base + action.path,
            data=data,
            method=action.method,
            headers={
                "Authorization": f"Bearer {action.token}",
                "Content-Type": "application/json",
                "Accept-Language": "en",
                "Idempotency-Key": key,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, _json(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, _json(exc.read())
        except (urllib.error.URLError, HTTPException, OSError):
            return "dropped", {}


def _json(raw: bytes) -> dict:
    try:
        value = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


# --- the setup ----------------------------------------------------------------------------


def _env(db_url: str, redis_url: str, instance: Path) -> dict[str, str]:
    return {
        **os.environ,
        "SHUZHUAN_CONFIG": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "SESSION_COOKIE_SECURE": "false",
        "DATABASE_URL": db_url,
        "DATABASE_CONNECT_TIMEOUT": "2",
        "RATELIMIT_STORAGE_URI": redis_url,
        "API_TOKEN_RATE_LIMIT": "10000 per minute",
        "JOBS": "rq",
        "MAIL_BACKEND": "file",  # e-mail notifications land in the instance folder, no SMTP
        "REDIS_URL": redis_url,
        "JOBS_QUEUE": f"chaos-{uuid.uuid4().hex[:8]}",
        "JOBS_SWEEP_SECONDS": "2",
        "JOBS_LEASE_SECONDS": "15",  # a job whose worker was killed runs again after 15 s
        "SHUZHUAN_INSTANCE": str(instance),
        "SEARCH_INDEX_DIR": str(instance / "index"),
        "FLASK_APP": "app:create_app",
        "LOG_LEVEL": "WARNING",
    }


def _wait_http(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


# --- seeding: the rounds' starting states, made through the services -----------------------


def seed(db_url: str, instance: Path) -> tuple[list[Round], dict[str, str]]:
    """The rounds, each ready to race, plus the tokens of the catalogue's admin and vendor."""
    app = create_app(
        "production",
        {
            "SECRET_KEY": secrets.token_hex(32),
            "SQLALCHEMY_DATABASE_URI": db_url,
            "JOBS": "sync",
            "SEARCH_INDEX_DIR": str(instance / "index"),
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "LOG_LEVEL": "WARNING",
        },
    )
    with app.app_context():

        def token(user) -> str:
            secret = tokens.create_token(user, "chaos").secret
            db.session.commit()
            return secret

        admin = factories.admin_user()
        publisher = factories.vendor_user(uscc=uscc())
        catalogue_tokens = {"admin": token(admin), "vendor": token(publisher)}
        vendors = [factories.vendor_user() for _ in range(10)]
        listings = [factories.listing(v) for v in vendors]
        vtok = [token(v) for v in vendors]
        slugs = [item.slug for item in listings]
        vendor_ids, listing_ids = [v.id for v in vendors], [item.id for item in listings]
        smes = {pair: factories.sme_user() for pair in PAIRS}
        stok = {pair: token(user) for pair, user in smes.items()}
        sme_ids = {pair: user.id for pair, user in smes.items()}
        factories.need(smes[PAIRS[0]])  # fits the matcher once, before the threads share it
        db.session.commit()
    terms = {
        **{k: v for k, v in quote_terms().items() if k != "valid_until"},
        "valid_until": (date.today() + timedelta(days=30)).isoformat(),
    }
    review = {"rating": 5, "quality": 5, "cost": 4, "timeliness": 4, "support": 5}

    def round_set(n: int) -> list[Round]:
        """One round of every pair, in this thread's own app context and session."""
        with app.app_context():
            vendors = [db.session.get(User, i) for i in vendor_ids]
            smes = {pair: db.session.get(User, i) for pair, i in sme_ids.items()}

            def opened(pair: str, quoted: int, asked: int) -> tuple:
                sme = smes[pair]
                need = factories.need(sme)
                sent = rfqs.send_rfqs(sme, need, listing_ids[:asked], "请报价")
                submitted = [
                    quotes.submit_quote(vendors[i], sent[i], quote_terms()) for i in range(quoted)
                ]
                db.session.commit()
                return sme, need, sent, submitted

            made: list[Round] = []
            p = PAIRS[0]
            _, need, _, (quote,) = opened(p, 1, 1)
            made.append(
                Round(
                    p,
                    need.id,
                    [
                        Action("accept", "POST", f"/quotes/{quote.id}/accept", stok[p]),
                        Action("withdraw", "POST", f"/quotes/{quote.id}/withdraw", vtok[0]),
                    ],
                    {"quote": quote.id},
                )
            )
            p = PAIRS[1]
            _, need, sent, (quote,) = opened(p, 1, 2)
            made.append(
                Round(
                    p,
                    need.id,
                    [
                        Action("accept", "POST", f"/quotes/{quote.id}/accept", stok[p]),
                        Action("quote", "POST", f"/rfqs/{sent[1].id}/quotes", vtok[1], terms),
                    ],
                    {"rfq": sent[1].id},
                )
            )
            p = PAIRS[2]
            _, need, _, submitted = opened(p, 3, 3)
            made.append(
                Round(
                    p,
                    need.id,
                    [
                        Action("accept", "POST", f"/quotes/{q.id}/accept", stok[p])
                        for q in submitted
                    ],
                )
            )
            p = PAIRS[3]
            sme, need, _, (quote,) = opened(p, 1, 1)
            engagement = engagements.award(sme, quote)
            db.session.commit()
            path = f"/engagements/{engagement.id}/complete"
            made.append(
                Round(p, need.id, [Action("complete", "POST", path, stok[p]) for _ in range(4)])
            )
            p = PAIRS[4]
            need = factories.need(smes[p])
            body = {"message": "请报价"}
            path = f"/needs/{need.id}/rfqs"
            made.append(
                Round(
                    p,
                    need.id,
                    [
                        Action("rfq", "POST", path, stok[p], {**body, "plugin": slug})
                        for slug in slugs
                    ],
                )
            )
            p = PAIRS[5]
            sme, need, _, (quote,) = opened(p, 1, 1)
            engagement = engagements.award(sme, quote)
            engagements.complete_engagement(sme, engagement)
            db.session.commit()
            path = f"/engagements/{engagement.id}/review"
            made.append(
                Round(
                    p, need.id, [Action("review", "POST", path, stok[p], review) for _ in range(4)]
                )
            )
            return made

    started = time.monotonic()
    rounds: list[Round] = []
    with ThreadPoolExecutor(SEED_THREADS) as pool:
        for n, made in enumerate(pool.map(round_set, range(ROUNDS)), start=1):
            rounds.extend(made)
            if n % 25 == 0:
                print(f"  seeded {n}/{ROUNDS} rounds per pair", flush=True)
    print(f"  seeding took {time.monotonic() - started:.0f} s", flush=True)
    with app.app_context():
        db.engine.dispose()
    return rounds, {"cap": str(app.config["RFQ_CAP_PER_NEED"]), **catalogue_tokens}


# --- catalogue changes: jobs through the outbox while the faults happen ---------------------


@dataclass
class Publication:
    slug: str
    word: str
    submit: Action
    approve: Action


def publish_while(api: Api, tokens: dict[str, str], running: threading.Event) -> list[Publication]:
    """A vendor submits a plug-in and an admin approves it, every second or so: each approval
    is a catalogue change whose re-indexing and re-matching go through the outbox."""
    done: list[Publication] = []
    n = 0
    while running.is_set():
        n += 1
        word = f"chaosmark{n:03d}x"
        manifest = plugin(name=f"Chaos {word}", summary=f"{word} 小批量排产与能耗监测。")
        submit = Action("submit", "POST", "/plugins", tokens["vendor"], manifest)
        api.call(submit)
        approve = Action(
            "approve", "POST", f"/admin/plugins/{manifest['id']}/approve", tokens["admin"]
        )
        if submit.status == 201:
            api.call(approve)
        done.append(Publication(manifest["id"], word, submit, approve))
        time.sleep(1.0)
    return done


def searchable(api: Api, publications: list[Publication], seconds: float) -> list[str]:
    """The approved plug-ins the public search does not find within ``seconds``."""
    deadline = time.monotonic() + seconds
    missing = [p for p in publications if p.approve.status == 200]
    while missing and time.monotonic() < deadline:
        still = []
        for p in missing:
            probe = Action("search", "GET", f"/plugins?q={p.word}", "none")
            api.call(probe)
            if p.slug not in probe.detail:
                still.append(p)
        missing = still
        if missing:
            time.sleep(1)
    return [p.slug for p in missing]


# --- faults ---------------------------------------------------------------------------------


class Faults:
    """The fault timeline, logged with the time since the load started."""

    def __init__(self, gunicorn, start_worker: Callable, redis, proxy):
        self.gunicorn = gunicorn
        self.start_worker = start_worker
        self.worker = start_worker()
        self.redis = redis
        self.proxy = proxy
        self.log: list[str] = []
        self.outage: tuple[float, float] | None = None
        self.t0 = time.monotonic()
        self.stopping = threading.Event()
        threading.Thread(target=self._supervise, daemon=True).start()

    def _supervise(self) -> None:
        """Restart the RQ worker whenever it exits, as systemd's Restart=always would."""
        while not self.stopping.wait(0.5):
            code = self.worker.poll()
            if code is not None:
                self.worker = self.start_worker()
                self.note(f"the RQ worker had exited ({code}); the supervisor started another")

    def note(self, text: str) -> None:
        line = f"{time.monotonic() - self.t0:6.1f} s  {text}"
        self.log.append(line)
        print("  " + line, flush=True)

    def run(self, total: float) -> None:
        step = total / 8
        time.sleep(step)
        workers = _children(self.gunicorn.pid)
        if workers:
            victim = random.choice(workers)
            os.kill(victim, signal.SIGKILL)
            self.note(f"killed gunicorn worker {victim} (gunicorn starts another)")
        time.sleep(step)
        self.note(f"killing the RQ worker {self.worker.pid}")
        self.worker.kill()
        time.sleep(step)
        self.redis.stop()
        self.note("stopped Redis (its memory is lost)")
        time.sleep(min(step, 5))
        self.redis.start()
        self.note("started Redis again, empty")
        time.sleep(step)
        start = time.monotonic()
        self.proxy.cut()
        self.note(f"cut the database proxy for {OUTAGE_SECONDS:.0f} s")
        time.sleep(OUTAGE_SECONDS)
        self.proxy.restore()
        self.outage = (start, time.monotonic())
        self.note("database proxy restored")

    def stop(self) -> None:
        self.stopping.set()
        if self.worker.poll() is None:
            self.worker.terminate()
            try:
                self.worker.wait(10)
            except subprocess.TimeoutExpired:
                self.worker.kill()


# --- the ledger -----------------------------------------------------------------------------


def ledger(engine: sa.Engine, rounds: list[Round], cap: int) -> list[str]:
    """Print the told-versus-stored table; return the failures."""
    failures: list[str] = []
    told: dict[str, Counter] = defaultdict(Counter)
    for r in rounds:
        for a in r.actions:
            told[f"{r.pair}: {a.name}"][str(a.status)] += 1
            for attempt in a.attempts:
                if isinstance(attempt, int) and attempt >= 500 and attempt != 503:
                    failures.append(f"{r.pair} need {r.need_id}: {a.name} answered {attempt}")
    with engine.connect() as conn:

        def scalar(sql: str, **params):
            return conn.execute(sa.text(sql), params).scalar()

        def audits(action: str, subject_type: str, subject_ids: list[int]) -> int:
            if not subject_ids:
                return 0
            return scalar(
                "SELECT count(*) FROM audit_events WHERE action = :a AND subject_type = :t "
                "AND subject_id = ANY(:ids)",
                a=action,
                t=subject_type,
                ids=subject_ids,
            )

        def ids(sql: str, **params) -> list[int]:
            return [row[0] for row in conn.execute(sa.text(sql), params)]

        stored: dict[str, Counter] = defaultdict(Counter)
        for r in rounds:
            wins = [a for a in r.actions if isinstance(a.status, int) and a.status < 300]
            other = [a for a in r.actions if a not in wins]
            need_status = scalar("SELECT status FROM needs WHERE id = :n", n=r.need_id)
            quotes = ids("SELECT id FROM quotes WHERE need_id = :n", n=r.need_id)
            where = f"{r.pair} need {r.need_id}"

            def check(ok: bool, what: str, where: str = where) -> None:
                if not ok:
                    failures.append(f"{where}: {what}")

            # A loser is told what happened first (409); past the cap a request is refused as
            # it would be one at a time (422: the need has its five requests).
            refused = 422 if r.pair == PAIRS[4] else 409
            for a in other:
                check(a.status == refused, f"{a.name} ended with {a.status} ({a.attempts})")
            if r.pair == PAIRS[0]:
                q = r.ids["quote"]
                status = scalar("SELECT status FROM quotes WHERE id = :q", q=q)
                stored[r.pair][f"quote {status}"] += 1
                check(len(wins) == 1, f"{len(wins)} winners")
                if wins:
                    expected = "accepted" if wins[0].name == "accept" else "withdrawn"
                    check(status == expected, f"told {wins[0].name}, stored {status}")
                check(
                    audits("quote.accepted", "Quote", [q]) + audits("quote.withdrawn", "Quote", [q])
                    == 1,
                    "accepted/withdrawn audit events != 1",
                )
            elif r.pair == PAIRS[1]:
                accept, late = r.actions
                live = scalar(
                    "SELECT count(*) FROM quotes WHERE need_id = :n AND status = 'submitted'",
                    n=r.need_id,
                )
                stored[r.pair][f"need {need_status}"] += 1
                stored[r.pair][
                    "late quote stored" if len(quotes) == 2 else "late quote refused"
                ] += 1
                check(accept.status == 200, f"the award answered {accept.status}")
                check(need_status == "awarded", f"need {need_status}")
                check(live == 0, f"{live} live quotes on an awarded need")
                check(
                    len(quotes) == 1 + (late.status == 201),
                    f"late quote told {late.status}, {len(quotes)} quotes stored",
                )
                check(audits("need.awarded", "Need", [r.need_id]) == 1, "need.awarded audit != 1")
            elif r.pair == PAIRS[2]:
                accepted = scalar(
                    "SELECT count(*) FROM quotes WHERE need_id = :n AND status = 'accepted'",
                    n=r.need_id,
                )
                engagements = scalar(
                    "SELECT count(*) FROM engagements WHERE need_id = :n", n=r.need_id
                )
                stored[r.pair][f"{accepted} accepted, {engagements} engagement"] += 1
                check(
                    len(wins) == 1 and accepted == 1 and engagements == 1,
                    f"{len(wins)} winners, {accepted} accepted",
                )
                check(audits("need.awarded", "Need", [r.need_id]) == 1, "need.awarded audit != 1")
                check(audits("quote.accepted", "Quote", quotes) == 1, "quote.accepted audit != 1")
            elif r.pair == PAIRS[3]:
                eng = ids("SELECT id FROM engagements WHERE need_id = :n", n=r.need_id)
                status = scalar("SELECT status FROM engagements WHERE need_id = :n", n=r.need_id)
                stored[r.pair][f"engagement {status}, need {need_status}"] += 1
                check(len(wins) == 1 and status == "completed", f"{len(wins)} winners, {status}")
                check(
                    audits("engagement.completed", "Engagement", eng) == 1, "completed audit != 1"
                )
                rfq_id = ids("SELECT rfq_id FROM quotes WHERE need_id = :n", n=r.need_id)[0]
                vendor_notes = scalar(
                    "SELECT count(*) FROM notifications WHERE kind = 'engagement.completed' "
                    "AND link = :link",
                    link=f"/vendor/rfqs/{rfq_id}",
                )
                check(vendor_notes == 1, f"{vendor_notes} completion notifications")
            elif r.pair == PAIRS[4]:
                rfqs = ids("SELECT id FROM rfqs WHERE need_id = :n", n=r.need_id)
                stored[r.pair][f"{len(rfqs)} requests stored"] += 1
                check(
                    len(wins) == cap and len(rfqs) == cap,
                    f"{len(wins)} told 201, {len(rfqs)} stored",
                )
                check(audits("rfq.sent", "Rfq", rfqs) == len(rfqs), "rfq.sent audits != requests")
                notes = scalar(
                    "SELECT count(*) FROM notifications WHERE kind = 'rfq.received' "
                    "AND link = ANY(:links)",
                    links=[f"/vendor/rfqs/{i}" for i in rfqs],
                )
                check(notes == len(rfqs), f"{notes} rfq.received notifications for {len(rfqs)}")
            elif r.pair == PAIRS[5]:
                eng = ids("SELECT id FROM engagements WHERE need_id = :n", n=r.need_id)
                revs = ids("SELECT id FROM reviews WHERE engagement_id = ANY(:e)", e=eng)
                stored[r.pair][f"{len(revs)} review stored"] += 1
                check(
                    len(wins) == 1 and len(revs) == 1, f"{len(wins)} told 201, {len(revs)} stored"
                )
                check(audits("review.published", "Review", revs) == 1, "review audit != 1")

    print("\nLedger: what clients were told (final answer after retries; 503/dropped were retried)")
    for key in sorted(told):
        print(f"  {key:45} {dict(sorted(told[key].items()))}")
    retried = Counter(str(s) for r in rounds for a in r.actions for s in a.attempts[:-1])
    print(f"  answers that were retried: {dict(sorted(retried.items()))}")
    print("\nLedger: what the database stored, per round")
    for pair in PAIRS:
        print(f"  {pair:30} {dict(sorted(stored[pair].items()))}")
    return failures


def wait_for_jobs(engine: sa.Engine, seconds: float) -> float:
    """Seconds until no outbox job is pending, running or failed (or ``seconds``)."""
    started = time.monotonic()
    sql = sa.text(
        "SELECT count(*) FROM outbox_jobs WHERE status IN ('pending', 'running', 'failed')"
    )
    while time.monotonic() - started < seconds:
        with engine.connect() as conn:
            if not conn.execute(sql).scalar():
                break
        time.sleep(1)
    return time.monotonic() - started


def catalogue_ledger(engine: sa.Engine, publications: list[Publication], unseen: list[str]):
    failures = [f"approved plug-in {slug} never reached the search" for slug in unseen]
    told = Counter(f"submit {p.submit.status} / approve {p.approve.status}" for p in publications)
    for p in publications:
        for a in (p.submit, p.approve):
            if any(isinstance(s, int) and s >= 500 and s != 503 for s in a.attempts):
                failures.append(f"{a.name} {p.slug}: {a.attempts}")
    with engine.connect() as conn:
        status = dict(
            conn.execute(
                sa.text("SELECT slug, status FROM plugin_listings WHERE slug = ANY(:s)"),
                {"s": [p.slug for p in publications]},
            ).all()
        )
        jobs = dict(
            conn.execute(sa.text("SELECT status, count(*) FROM outbox_jobs GROUP BY status")).all()
        )
        unsettled = conn.execute(
            sa.text(
                "SELECT status, task, count(*), min(created_at), max(attempts) FROM outbox_jobs"
                " WHERE status != 'done' GROUP BY status, task ORDER BY status, task"
            )
        ).all()
    for p in publications:
        if p.approve.status == 200 and status.get(p.slug) != "published":
            failures.append(f"{p.slug}: told approved, stored {status.get(p.slug)}")
    for job_status, count in jobs.items():
        if job_status != "done":
            failures.append(f"{count} outbox jobs left {job_status}")
    searched = sum(1 for p in publications if p.approve.status == 200) - len(unseen)
    # Outbox jobs are counted whatever their task: approvals' and awards' re-matches alike.
    print("\nLedger: catalogue changes during the faults (each approval makes outbox jobs)")
    print(f"  told: {dict(sorted(told.items()))}")
    print(
        f"  stored: {dict(sorted(Counter(status.values()).items()))}, found by search: "
        f"{searched}, outbox jobs: {dict(sorted(jobs.items()))}"
    )
    for job_status, task, count, oldest, attempts in unsettled:
        print(f"  left {job_status}: {count} {task} (oldest {oldest:%H:%M:%S}, tried {attempts}×)")
    return failures


# --- main -----------------------------------------------------------------------------------


def main() -> int:
    total_rounds = ROUNDS * len(PAIRS)
    print(f"chaos: {ROUNDS} rounds × {len(PAIRS)} race pairs, {WORKERS} gunicorn workers")
    with ExitStack() as stack:
        instance = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="chaos-")))
        db_url = stack.enter_context(scratch_postgres_database(PG_URL, "chaos"))
        direct = make_url(db_url)
        proxy = TcpProxy(direct.host or "127.0.0.1", direct.port or 5432).start()
        stack.callback(proxy.stop)
        via_proxy = direct.set(port=proxy.port).render_as_string(hide_password=False)
        redis = RedisServer().start()
        stack.callback(redis.stop)
        env = _env(via_proxy, redis.url, instance)
        flask = str(Path(sys.executable).parent / "flask")
        subprocess.run(
            [flask, "db", "upgrade"],
            env={**env, "DATABASE_URL": db_url},
            check=True,
            cwd=ROOT,
            capture_output=True,
        )
        print("setup: scratch database migrated, seeding the rounds …", flush=True)
        rounds, info = seed(db_url, instance)
        cap = int(info["cap"])

        port = free_port()
        logs = instance / "gunicorn.log"
        gunicorn = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "-c",
                "gunicorn.conf.py",
                "--workers",
                str(WORKERS),
                "--bind",
                f"127.0.0.1:{port}",
                "app:create_app()",
            ],
            env={**env, "GUNICORN_ACCESS_LOG": str(instance / "access.log")},
            cwd=ROOT,
            stdout=logs.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        stack.callback(_stop, gunicorn)
        base = f"http://127.0.0.1:{port}"
        _wait_http(base + "/healthz", seconds=180)  # four workers import scikit-learn
        worker_log = (instance / "worker.log").open("w")

        def start_worker() -> subprocess.Popen:
            return subprocess.Popen(
                [flask, "jobs", "worker"],
                env={**env, "PYTHONUNBUFFERED": "1"},  # its log's last lines are shown on failure
                cwd=ROOT,
                stdout=worker_log,
                stderr=subprocess.STDOUT,
            )

        faults = Faults(gunicorn, start_worker, redis, proxy)
        stack.callback(faults.stop)
        print(
            f"load: gunicorn on {base}, {CLIENT_ROUNDS_AT_ONCE} rounds at a time, faults:",
            flush=True,
        )

        api = Api(base + "/api/v1")
        random.Random(11).shuffle(rounds)
        pace = LOAD_SECONDS * CLIENT_ROUNDS_AT_ONCE / total_rounds
        started = time.monotonic()
        fault_thread = threading.Thread(target=faults.run, args=(LOAD_SECONDS,), daemon=True)
        fault_thread.start()

        def play(r: Round) -> None:
            begun = time.monotonic()
            barrier = threading.Barrier(len(r.actions))

            def go(action: Action) -> None:
                barrier.wait(timeout=30)
                api.call(action)

            threads = [threading.Thread(target=go, args=(a,)) for a in r.actions]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            time.sleep(max(0.0, pace - (time.monotonic() - begun)))

        running = threading.Event()
        running.set()
        with ThreadPoolExecutor(CLIENT_ROUNDS_AT_ONCE + 1) as pool:
            catalogue = pool.submit(publish_while, api, info, running)
            list(pool.map(play, rounds))
            fault_thread.join()
            running.clear()
            publications = catalogue.result()
        elapsed = time.monotonic() - started
        requests = sum(len(a.attempts) for r in rounds for a in r.actions)
        print(f"load: {requests} requests in {elapsed:.0f} s", flush=True)
        unseen = searchable(api, publications, seconds=90)
        engine = sa.create_engine(db_url)
        drained = wait_for_jobs(engine, seconds=60)
        print(f"drain: outbox settled in {drained:.0f} s", flush=True)
        try:
            failures = ledger(engine, rounds, cap)
            failures += catalogue_ledger(engine, publications, unseen)
        finally:
            engine.dispose()
        worker_log.flush()
        worker_tail = (instance / "worker.log").read_text(errors="replace").splitlines()[-40:]
    if failures:
        print(f"\nFAILED: {len(failures)} problems")
        print("  last lines of the RQ worker's log:\n    " + "\n    ".join(worker_tail))
        for line in failures[:50]:
            print("  " + line)
        return 1
    print(
        f"\nOK: {total_rounds} rounds, exactly one winner each, nothing doubled or lost, "
        "no 5xx but 503 during the outage"
    )
    return 0


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


if __name__ == "__main__":
    sys.exit(main())
