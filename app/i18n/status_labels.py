"""Human labels for every state value of the domain, in the reader's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

STATUS_LABELS = {
    # users and organisations
    "active": _l("active"),
    "suspended": _l("suspended"),
    "unverified": _l("unverified"),
    "pending": _l("verification pending"),
    "verified": _l("verified"),
    # listings
    "draft": _l("draft"),
    "pending_review": _l("waiting for review"),
    "published": _l("published"),
    "rejected": _l("rejected"),
    "retired": _l("retired"),
    "ok": _l("healthy"),
    "degraded": _l("degraded"),
    # needs, requests, quotes, engagements, reviews, matches
    "open": _l("open"),
    "awarded": _l("awarded"),
    "closed": _l("closed"),
    "cancelled": _l("cancelled"),
    "sent": _l("sent"),
    "quoted": _l("quoted"),
    "declined": _l("declined"),
    "expired": _l("expired"),
    "lost": _l("not chosen"),
    "submitted": _l("submitted"),
    "accepted": _l("accepted"),
    "withdrawn": _l("withdrawn"),
    "completed": _l("completed"),
    "flagged": _l("flagged"),
    "removed": _l("removed"),
    "shown": _l("shown"),
    # milestones
    "planned": _l("planned"),
    "delivered": _l("delivered"),
    "disputed": _l("in dispute"),
    "pinned": _l("pinned"),
    "hidden": _l("hidden"),
    # public programmes: proposals, pools and their members
    "proposed": _l("proposed"),
    "dismissed": _l("dismissed"),
    "joining": _l("open for joining"),
    "joined": _l("joined"),
    "agreed": _l("agreed"),
    "left": _l("left"),
}

# Outbox jobs: "pending" means something else for them than for a vendor's verification.
JOB_STATUS_LABELS = {
    "pending": _l("waiting to run"),
    "running": _l("running"),
    "done": _l("done"),
    "failed": _l("failed, will retry"),
    "dead": _l("failed, out of attempts"),
}


def status_label(value) -> str:
    return str(STATUS_LABELS.get(str(value), value))
