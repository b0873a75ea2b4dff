"""Benchmark: re-matching after one catalogue change, the old way beside the new one.

``python -m app.bench.rematch --needs 10000 --listings 300`` builds a scratch portal
(SQLite in a temporary folder) with synthetic bilingual listings and open needs, matches
every need once, then makes three catalogue changes (a new listing, an edited one, a
suspended one) and times, for each, the full re-match of every open need (what every
change cost before) and :func:`app.services.matching.rematch_for_listings` (the needs the
change can affect), in the same run.
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
import time
from pathlib import Path

import numpy as np
from flask_migrate import upgrade

from app import create_app
from app.extensions import db
from app.models import (
    ListingSource,
    ListingStatus,
    Need,
    NeedStatus,
    Organisation,
    OrgKind,
    PluginListing,
)
from app.services import matching
from matching.bench import synthetic_offering
from matching.taxonomy import CAPABILITIES, INDUSTRIES, REGIONS

_PROBLEMS_ZH = [
    "订单排不过来",
    "库存总是对不上",
    "设备经常停机",
    "质量追溯靠纸",
    "能耗太高",
    "客户跟进乱",
]
_PROBLEMS_EN = ["orders pile up", "stock never matches", "machines stop", "paper quality records"]


def _need(i: int, org_id: int, rng: np.random.RandomState) -> Need:
    cap = str(rng.choice(list(CAPABILITIES)))
    zh = i % 2 == 0
    label = CAPABILITIES[cap].zh if zh else CAPABILITIES[cap].en
    problem = str(rng.choice(_PROBLEMS_ZH if zh else _PROBLEMS_EN))
    return Need(
        organisation_id=org_id,
        status=NeedStatus.OPEN,
        title=f"{problem} {i}",
        description=f"{problem}，想要{label}。" if zh else f"{problem}; we need {label}.",
        lang="zh" if zh else "en",
        industry=str(rng.choice(list(INDUSTRIES))),
        region=str(rng.choice(list(REGIONS))),
        company_size=str(rng.choice(["micro", "small", "medium"])),
        budget_max=int(rng.choice([30_000, 80_000, 200_000, 500_000])),
        timeline_weeks=int(rng.randint(4, 30)),
        capabilities=[],
    )


def _listing(i: int, vendor_id: int, rng: np.random.RandomState) -> PluginListing:
    offering = synthetic_offering(i, rng)
    fields = {f.name: getattr(offering, f.name) for f in dataclasses.fields(offering)}
    for extra in ("id", "vendor", "relevant"):
        fields.pop(extra, None)
    return PluginListing(
        slug=f"bench-{i}",
        vendor_id=vendor_id,
        status=ListingStatus.PUBLISHED,
        source=ListingSource.PORTAL,
        **{k: v for k, v in fields.items() if hasattr(PluginListing, k)},
    )


def add_synthetic_listings(count: int, seed: int = 0) -> Organisation:
    """``count`` published synthetic listings of one new vendor (flushed, not committed)."""
    vendor = Organisation(kind=OrgKind.VENDOR, name="Bench vendor")
    db.session.add(vendor)
    db.session.flush()
    rng = np.random.RandomState(seed)
    db.session.add_all([_listing(i, vendor.id, rng) for i in range(count)])
    return vendor


def _timed(function, *args) -> tuple[float, int]:
    started = time.perf_counter()
    count = function(*args)
    db.session.commit()
    return time.perf_counter() - started, count


def run(needs: int, listings: int, seed: int = 0) -> None:
    rng = np.random.RandomState(seed)
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(folder) / 'bench.sqlite'}",
                "SEARCH_INDEX_DIR": folder,
                "JOBS": "sync",
                "LOG_LEVEL": "WARNING",
            }
        )
        with app.app_context():
            upgrade()
            vendor = Organisation(kind=OrgKind.VENDOR, name="Bench vendor")
            sme = Organisation(kind=OrgKind.SME, name="Bench SME")
            db.session.add_all([vendor, sme])
            db.session.flush()
            db.session.add_all([_listing(i, vendor.id, rng) for i in range(listings)])
            db.session.add_all([_need(i, sme.id, rng) for i in range(needs)])
            db.session.commit()
            print(f"{listings} published listings, {needs} open needs; matching every need once…")
            first, _ = _timed(matching.refresh_open_needs)
            print(f"initial match: {first:.1f} s\n")

            new = _listing(listings, vendor.id, rng)
            db.session.add(new)
            db.session.commit()
            edited = db.session.get(PluginListing, 1)
            suspended = db.session.get(PluginListing, 2)
            changes = [("new listing published", new.slug, None)]
            changes.append(("listing edited", edited.slug, edited))
            changes.append(("listing suspended", suspended.slug, suspended))
            print(
                f"{'catalogue change':<24} | {'full re-match s':>15} | {'only affected s':>15} "
                f"| {'needs re-matched':>16} | {'speed-up':>8}"
            )
            print("-" * 92)
            for label, slug, listing in changes:
                if label == "listing edited":
                    listing.summary = (listing.summary or "") + " 支持手机扫码 mobile scanning"
                elif label == "listing suspended":
                    listing.status = ListingStatus.SUSPENDED
                db.session.commit()
                new_s, affected = _timed(matching.rematch_for_listings, [slug])
                old_s, total = _timed(matching.refresh_open_needs)
                print(
                    f"{label:<24} | {old_s:>15.2f} | {new_s:>15.2f} | "
                    f"{affected:>7} of {total:<6} | {old_s / max(new_s, 1e-9):>7.1f}×"
                )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--needs", type=int, default=10_000)
    parser.add_argument("--listings", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    run(args.needs, args.listings, args.seed)


if __name__ == "__main__":
    main()
