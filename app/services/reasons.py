"""Reasons people give for a decision (reject, suspend, decline, cancel, flag, hide)."""

from __future__ import annotations

from flask_babel import gettext as _

from app.errors import InvalidInput
from app.models.fields import REASON

MAX_REASON = REASON.high


def clean_reason(
    reason: str | None, *, required: bool = True, ask: str | None = None
) -> str | None:
    """The trimmed reason; InvalidInput on ``reason`` when missing (if required) or too long.

    ``ask`` is the sentence shown on top of the form, e.g. "Tell the vendors why you cancel."
    """
    text = (reason or "").strip()
    if not text:
        if required:
            raise InvalidInput(
                ask or _("Please give a reason."), {"reason": [_("A reason is required.")]}
            )
        return None
    if len(text) > MAX_REASON:
        message = REASON.message()
        raise InvalidInput(message, {"reason": [message]})
    return text
