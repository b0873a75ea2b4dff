"""What vendor code may add to Shuzhuan: the pluggy hookspecs, one docstring line each.

Every hook gets the plug-in's own ``offering`` (as its manifest declares it)
besides the call's data, and may leave out any argument it does not use. The
manager calls one plug-in's hook at a time, under a time budget, and checks the
type of what it returns; see ``docs/plugins.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from plugins.toolkit import Eligibility, Estimate, Need, Offering, RfqInfo

PROJECT = "shuzhuan"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def estimate(need: Need, offering: Offering) -> Estimate | None:
    """Give an instant indicative Estimate (price range, delivery weeks, assumptions), or None."""


@hookspec
def check_eligibility(need: Need, offering: Offering) -> Eligibility | None:
    """Say whether the solution can serve the need, with a reason; None when it cannot tell."""


@hookspec
def rfq_received(rfq: RfqInfo, offering: Offering) -> None:
    """Be told that a request for quote for this offering has arrived; return None."""
