"""Benchmark: the portal's pages under load, beside a bare Flask hello-world in the same run.

``python -m app.bench.portal --listings 1000`` (``make bench-portal``) builds a scratch
portal (SQLite in a temporary folder, or ``--database-url``) with the demo data and a
synthetic catalogue, serves it with ``gunicorn.conf.py`` in the production configuration,
and serves a bare Flask app answering "hello" with the same number of workers. For each page
it runs ``wrk`` against the hello-world, then the page, then the hello-world again (the
baseline is the mean of the two: these machines are noisy), and prints req/s, p50 and p95
beside the baseline's and the ratios. Needs ``wrk`` (Debian: ``apt-get install wrk``).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import urllib.parse
import urllib.request
from pathlib import Path

from app.bench.workers import _free_port, _wait

ROOT = Path(__file__).resolve().parents[2]
SME_EMAIL = "jinxiu@shuzhuan.demo"  # the demo dye-house, with open needs

# wrk prints its own summary; this adds one JSON line with the figures the table needs.
WRK_SCRIPT = textwrap.dedent(
    """
    local headers = os.getenv("BENCH_HEADERS")
    if headers and #headers > 0 then
      for name, value in string.gmatch(headers, "([^\\n:]+): ([^\\n]+)") do
        wrk.headers[name] = value
      end
    end
    done = function(summary, latency, requests)
      local e = summary.errors
      io.write(string.format(
        "BENCH {\\"rps\\": %f, \\"p50_ms\\": %f, \\"p95_ms\\": %f, \\"failed\\": %d}\\n",
        summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
        latency:percentile(95) / 1000, e.status + e.connect + e.read + e.write + e.timeout))
    end
    """
)

HELLO = textwrap.dedent(
    """
    from flask import Flask

    app = Flask(__name__)


    @app.route("/")
    def hello():
        return "hello"
    """
)


def _seed(folder: Path, listings: int, database_url: str | None = None) -> dict:
    """Demo data plus ``listings`` synthetic ones; a need of the demo SME and an API token."""
    # here, not at the top: only seeding uses the portal's internals (the benchmark as written;
    # `python -m app.bench.portal` has loaded the app package already, so this saves little)
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from app.bench import seeding_app
    from app.bench.rematch import add_synthetic_listings
    from app.extensions import db
    from app.models import Need, NeedStatus, PluginListing, User
    from app.services import matching, tokens
    from app.services.search import catalogue_index

    app = seeding_app(database_url)
    with app.app_context():
        upgrade()
        # here, as the benchmark was written: the demo data is loaded only in this step
        from app.services.demo import load_demo

        load_demo()
        add_synthetic_listings(listings)
        db.session.commit()
        sme = db.session.scalar(sa.select(User).where(User.email == SME_EMAIL))
        need = db.session.scalar(
            sa.select(Need)
            .where(Need.organisation_id == sme.organisation_id, Need.status == NeedStatus.OPEN)
            .order_by(Need.id)
        )
        matching.refresh_matches(need)  # with the synthetic catalogue too
        slug = db.session.scalar(
            sa.select(PluginListing.slug).where(PluginListing.slug.like("bench-%")).limit(1)
        )
        secret = tokens.create_token(sme, "bench").secret
        db.session.commit()
        catalogue_index()  # built once here, not by the first requests of every worker
        return {"need_id": need.id, "slug": slug, "token": secret}


def _sign_in(base: str) -> str:
    """The demo SME's session cookie, from the login page (CSRF token and all)."""
    # here, as the benchmark was written: only signing in needs the demo password
    from app.services.demo import DEMO_PASSWORD

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/auth/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    if token is None:
        raise RuntimeError("no CSRF token on the login page")
    form = {"csrf_token": token.group(1), "email": SME_EMAIL, "password": DEMO_PASSWORD}
    opener.open(base + "/auth/login", data=urllib.parse.urlencode(form).encode()).read()
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def _serve(args: list[str], env: dict, cwd: Path, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        args,
        env=env,
        cwd=cwd,
        stdout=log.open("a"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _stop(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=60)


def _wrk(url: str, script: Path, seconds: int, clients: int, headers: str = "") -> dict:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{clients}", f"-d{seconds}s", "-s", str(script), url],
        capture_output=True,
        text=True,
        env={**os.environ, "BENCH_HEADERS": headers},
        check=True,
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith("BENCH "))
    return json.loads(line.removeprefix("BENCH "))


def _refused(access_log: Path) -> dict[str, dict[str, int]]:
    """Status codes of 4xx/5xx answers per path, from gunicorn's access log."""
    out: dict[str, dict[str, int]] = {}
    for line in access_log.read_text().splitlines():
        found = re.search(r'"[A-Z]+ ([^ ?]+)[^"]*" (\d{3}) ', line)
        if found and found.group(2)[0] in "45":
            counts = out.setdefault(found.group(1), {})
            counts[found.group(2)] = counts.get(found.group(2), 0) + 1
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m app.bench.portal", description=__doc__)
    parser.add_argument("--listings", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=10, help="per page and per baseline run")
    parser.add_argument("--database-url", help="a scratch PostgreSQL database (default SQLite)")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk)")
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    with tempfile.TemporaryDirectory(prefix="bench-portal-") as name:
        folder = Path(name)
        os.environ["SHUZHUAN_INSTANCE"] = str(folder)
        if args.database_url:
            os.environ["DATABASE_URL"] = args.database_url
        seeded = _seed(folder, args.listings, args.database_url)
        script = folder / "bench.lua"
        script.write_text(WRK_SCRIPT)
        (folder / "hello.py").write_text(HELLO)
        env = {
            **os.environ,
            "SHUZHUAN_CONFIG": "production",
            "SECRET_KEY": os.urandom(32).hex(),
            "SESSION_COOKIE_SECURE": "0",
            "SECURITY_HSTS": "0",
            "LOG_LEVEL": "WARNING",
            "GUNICORN_ACCESS_LOG": str(folder / "access.log"),
            "WEB_CONCURRENCY": str(args.workers),
        }
        portal_port, hello_port = _free_port(), _free_port()
        bind = f"127.0.0.1:{portal_port}"
        portal = _serve(
            [gunicorn, "-c", "gunicorn.conf.py", "--bind", bind, "app:create_app()"],
            env,
            ROOT,
            folder / "portal.log",
        )
        hello = _serve(
            [gunicorn, "-w", str(args.workers), "-b", f"127.0.0.1:{hello_port}", "hello:app"],
            {**os.environ},
            folder,
            folder / "hello.log",
        )
        try:
            base, bare = f"http://127.0.0.1:{portal_port}", f"http://127.0.0.1:{hello_port}/"
            _wait(base + "/healthz", seconds=300)
            _wait(bare, seconds=60)
            cookie = "Cookie: " + _sign_in(base)
            bearer = f"Authorization: Bearer {seeded['token']}"
            pages = [
                ("need page with its matches", f"/needs/{seeded['need_id']}", cookie),
                ("catalogue", "/solutions/", ""),
                ("search", "/solutions/?q=" + urllib.parse.quote("库存 扫码"), ""),
                ("plug-in page", f"/solutions/{seeded['slug']}", ""),
                ("matches API", f"/api/v1/needs/{seeded['need_id']}/matches", bearer),
            ]
            print(
                f"{args.listings} synthetic listings + demo, {args.workers} gunicorn workers, "
                f"{args.clients} clients, {args.seconds} s per run"
            )
            print(
                f"{'page':<28} | {'req/s':>7} | {'p50 ms':>7} | {'p95 ms':>7} | {'failed':>6} | "
                f"{'bare req/s':>10} | {'bare p95':>8} | {'req/s ÷ bare':>12} | {'p95 × bare':>10}"
            )
            for label, path, headers in pages:
                _wrk(base + path, script, 2, 4, headers)  # warm every worker's caches
                before = _wrk(bare, script, args.seconds, args.clients)
                page = _wrk(base + path, script, args.seconds, args.clients, headers)
                after = _wrk(bare, script, args.seconds, args.clients)
                rps = (before["rps"] + after["rps"]) / 2
                p95 = (before["p95_ms"] + after["p95_ms"]) / 2
                print(
                    f"{label:<28} | {page['rps']:>7.1f} | {page['p50_ms']:>7.1f} | "
                    f"{page['p95_ms']:>7.1f} | {page['failed']:>6} | {rps:>10.0f} | "
                    f"{p95:>8.1f} | {page['rps'] / rps:>12.3f} | {page['p95_ms'] / p95:>10.1f}"
                )
            refused = _refused(folder / "access.log")
            if refused:
                print("answers other than 2xx/3xx, by page:", json.dumps(refused))
        finally:
            _stop(portal)
            _stop(hello)


if __name__ == "__main__":
    main()
