"""Benchmark: the first ranking in fresh gunicorn workers, and what each worker holds.

``python -m app.bench.workers --listings 10000`` builds a scratch portal (SQLite in a
temporary folder) with synthetic published listings and starts gunicorn with
``gunicorn.conf.py`` twice: with ``preload_app`` (the master fits the matcher and the
workers fork with it) and without (``GUNICORN_PRELOAD=0``: each worker fits its own as it
warms up). Each time it waits until every worker has warmed up (``app.services.warm_up``:
"ready" is that moment), posts needs through the API, as many at once as there are
workers, so every worker ranks its first need, and prints the latencies and each worker's
proportional set size (PSS: pages shared between workers are divided between them).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from app.services.warm_up import READY_LINE

ROOT = Path(__file__).resolve().parents[2]


def _seed(folder: Path, listings: int, database_url: str | None = None) -> str:
    """Migrate and fill the scratch database; returns an SME's API token."""
    # here, not at the top: only seeding uses the portal's internals (the benchmark as written;
    # `python -m app.bench.workers` has loaded the app package already, so this saves little)
    from flask_migrate import upgrade

    from app.bench import seeding_app
    from app.bench.rematch import add_synthetic_listings
    from app.extensions import db
    from app.models import Role
    from app.services import accounts, tokens

    app = seeding_app(database_url)
    with app.app_context():
        upgrade()
        add_synthetic_listings(listings)
        sme = accounts.register(
            verified=True,
            email="bench-sme@example.com",
            password="bench password 1",
            name="Bench SME",
            role=Role.SME,
            organisation={"name": "Bench SME", "industry": "C33", "region": "CN-ZJ"},
        )
        secret = tokens.create_token(sme, "bench").secret
        db.session.commit()
    return secret


def _free_port() -> int:
    # here, as the benchmark was written: no cycle or cost behind it, only this helper uses it
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


def _wait_for_warm_workers(log: Path, since: int, workers: int, seconds: float) -> None:
    """Until every worker has rehearsed its need (``app.services.warm_up``) and serves, as
    the log written after byte ``since`` says."""
    deadline = time.monotonic() + seconds
    while log.read_bytes()[since:].count(READY_LINE.encode()) < workers:
        if time.monotonic() > deadline:
            raise RuntimeError(f"fewer than {workers} workers warmed up in {seconds} s")
        time.sleep(0.2)


def _post_need(base: str, secret: str, i: int) -> float:
    body = json.dumps(
        {
            "title": f"仓库库存对不上 {i}",
            "description": "五金厂仓库出入库靠手写，库存总是对不上，想用扫码管理。",
            "lang": "zh",
            "industry": "C33",
            "region": "CN-ZJ",
            "budget_max": 50000,
        }
    ).encode()
    request = urllib.request.Request(
        base + "/api/v1/needs",
        data=body,
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
        method="POST",
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        response.read()
    return time.perf_counter() - started


def _pss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _workers(master: int) -> list[int]:
    ps = ["ps", "-o", "pid=", "--ppid", str(master)]
    out = subprocess.run(ps, capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def _round(base: str, secret: str, count: int, offset: int) -> list[float]:
    times: list[float] = [0.0] * count

    def one(i: int) -> None:
        times[i] = _post_need(base, secret, offset + i)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times


def measure(folder: Path, secret: str, workers: int, preload: bool) -> dict:
    port = _free_port()
    env = {
        **os.environ,
        "SHUZHUAN_INSTANCE": str(folder),
        "SHUZHUAN_CONFIG": "production",
        "SECRET_KEY": os.urandom(32).hex(),
        "SESSION_COOKIE_SECURE": "0",
        "MAIL_BACKEND": "file",
        "JOBS": "sync",
        "LOG_LEVEL": "INFO",  # each worker logs that it has warmed up
        "GUNICORN_ACCESS_LOG": str(folder / "access.log"),
        "GUNICORN_PRELOAD": "1" if preload else "0",
        "WEB_CONCURRENCY": str(workers),
        "GUNICORN_TIMEOUT": "120",
    }
    log = folder / "gunicorn.log"
    since = log.stat().st_size if log.exists() else 0
    started = time.perf_counter()
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    server = subprocess.Popen(
        [gunicorn, "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}", "app:create_app()"],
        env=env,
        cwd=ROOT,
        stdout=log.open("a"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait(base + "/healthz", seconds=300)
        _wait_for_warm_workers(log, since, workers, seconds=300)
        ready = time.perf_counter() - started
        first = _round(base, secret, workers, offset=0)
        later = _round(base, secret, workers, offset=workers)
        pss = [_pss_mb(pid) for pid in _workers(server.pid)]
        return {
            "preload": preload,
            "ready_s": ready,
            "first_max_s": max(first),
            "first_p50_s": statistics.median(first),
            "later_p50_s": statistics.median(later),
            "worker_pss_mb": statistics.mean(pss),
            "master_pss_mb": _pss_mb(server.pid),
        }
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m app.bench.workers", description=__doc__)
    parser.add_argument("--listings", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--database-url", help="a scratch PostgreSQL database (default SQLite)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-workers-") as name:
        folder = Path(name)
        os.environ["SHUZHUAN_INSTANCE"] = str(folder)
        if args.database_url:
            os.environ["DATABASE_URL"] = args.database_url  # gunicorn's workers read it
        secret = _seed(folder, args.listings, args.database_url)
        print(f"{args.listings} published listings, {args.workers} gunicorn workers")
        rows = [measure(folder, secret, args.workers, preload) for preload in (False, True)]
    print(
        f"{'preload':>8} | {'ready s':>7} | {'first need, max s':>17} | {'first p50 s':>11} | "
        f"{'later p50 s':>11} | {'PSS per worker MB':>17} | {'master PSS MB':>13}"
    )
    for r in rows:
        print(
            f"{'yes' if r['preload'] else 'no':>8} | {r['ready_s']:>7.1f} | "
            f"{r['first_max_s']:>17.2f} | {r['first_p50_s']:>11.2f} | {r['later_p50_s']:>11.2f} | "
            f"{r['worker_pss_mb']:>17.0f} | {r['master_pss_mb']:>13.0f}"
        )


if __name__ == "__main__":
    main()
