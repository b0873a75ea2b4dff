"""SME needs through their states: draft → open → awarded → closed; draft/open → cancelled.

Every function takes the acting user and plain values, checks who may act, locks the need
(:func:`app.services.transitions.lock_need`) and checks its state, changes the state,
records an audit event and notifies whoever must act. Nothing here commits: the caller (a
page, the API, a command) commits once per operation.
Awarding and closing happen in :mod:`app.services.engagements` (they belong to the quote flow).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from app.errors import DomainError, Forbidden, InvalidInput, NotFound
from app.extensions import db
from app.i18n.status_labels import status_label
from app.models import (
    Need,
    NeedStatus,
    Organisation,
    OrgKind,
    Quote,
    QuoteStatus,
    Rfq,
    RfqStatus,
    Role,
    User,
)
from app.models import fields as rules
from app.models.needs import NEED_FIELDS
from app.services import audit, matching
from app.services.notify import members, notify_all
from app.services.reasons import clean_reason
from app.services.transitions import lock_need
from matching.types import InvalidRecord
from matching.types import Need as NeedRecord

EDITABLE = (NeedStatus.DRAFT, NeedStatus.OPEN)
CANCELLABLE = (NeedStatus.DRAFT, NeedStatus.OPEN)
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def require_sme(user: User) -> Organisation:
    """The SME organisation ``user`` acts for; vendors and admins never own needs."""
    if user.role != Role.SME or user.organisation is None:
        raise Forbidden(_("Only enterprises can post needs and ask for quotes."))
    if user.organisation.kind != OrgKind.SME:
        raise Forbidden(_("Only enterprises can post needs and ask for quotes."))
    return user.organisation


def get_for_sme(user: User, need_id: int) -> Need:
    """The user's organisation's need; anyone else's is 'not found' (never 'forbidden')."""
    require_sme(user)
    need = db.session.get(Need, need_id)
    if need is None or need.organisation_id != user.organisation_id:
        raise NotFound(_("No such need."))
    return need


def get_for_viewer(user: User, need_id: int) -> Need:
    """A need as its owner or an admin may see it."""
    if user.role == Role.ADMIN:
        need = db.session.get(Need, need_id)
        if need is None:
            raise NotFound(_("No such need."))
        return need
    return get_for_sme(user, need_id)


def my_needs(user: User, status: NeedStatus | str | None = None) -> sa.Select:
    """The SME's own needs, newest first, optionally of one status (a query to page)."""
    org = require_sme(user)
    query = sa.select(Need).where(Need.organisation_id == org.id)
    if status is not None:
        query = query.where(Need.status == status)
    return query.order_by(Need.created_at.desc(), Need.id.desc())


def detect_lang(text: str) -> str:
    """ "zh" when the text is mostly written in Chinese characters, else "en"."""
    text = text or ""
    cjk = len(_CJK.findall(text))
    latin = len(re.findall(r"[A-Za-z]+", text))
    return "zh" if cjk and cjk >= latin else "en"


def clean_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Validate need fields as the matcher's record does; InvalidInput names every bad field."""
    values = {name: fields.get(name) for name in NEED_FIELDS}
    for name, value in list(values.items()):
        if isinstance(value, str):
            values[name] = value.strip() or None
    values["capabilities"] = list(values.get("capabilities") or [])
    errors: dict[str, list[str]] = {}
    if not values.get("title"):
        errors["title"] = [_("Give your need a short title.")]
    if not values.get("description"):
        errors["description"] = [_("Describe what you need, in your own words.")]
    if not values.get("lang") and values.get("description"):
        values["lang"] = detect_lang(f"{values.get('title') or ''} {values['description']}")
    for name, rule in rules.NEED_RULES.items():
        problem = rule.problem(values.get(name))
        if problem and name not in errors:
            errors[name] = [problem]
    try:
        NeedRecord.from_dict({"id": "new", **values})
    except InvalidRecord as exc:
        for name, messages in exc.errors.items():
            if name in errors:
                continue  # the portal's own rule already said it, in the reader's language
            errors.setdefault(name, []).extend(
                _("Not accepted: %(detail)s", detail=message) for message in messages
            )
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), errors)
    return values


def create_need(user: User, fields: Mapping[str, Any], *, draft: bool = False) -> Need:
    """A new need, posted (open, matched at once) or kept as a draft."""
    org = require_sme(user)
    values = clean_fields(fields)
    need = Need(
        organisation_id=org.id,
        author_id=user.id,
        status=NeedStatus.DRAFT if draft else NeedStatus.OPEN,
        **values,
    )
    db.session.add(need)
    db.session.flush()
    if draft:
        audit.record(user, "need.drafted", need, title=need.title)
    else:
        matching.refresh_matches(need)
        audit.record(user, "need.posted", need, title=need.title)
    return need


def update_need(user: User, need: Need, fields: Mapping[str, Any]) -> Need:
    """Edit a draft or open need; an open need is matched again in the same transaction."""
    _own(user, need)
    values = clean_fields(fields)
    need = lock_need(need.id)
    if need.status not in EDITABLE:
        raise DomainError(
            _("A need that is %(state)s can no longer be edited.", state=_state(need.status))
        )
    changed = sorted(name for name, value in values.items() if getattr(need, name) != value)
    for name, value in values.items():
        setattr(need, name, value)
    if need.status == NeedStatus.OPEN:
        matching.refresh_matches(need)
    audit.record(user, "need.edited", need, changed=changed)
    return need


def post_need(user: User, need: Need) -> Need:
    """Publish a draft: it opens and gets its matches."""
    _own(user, need)
    need = lock_need(need.id)
    if need.status != NeedStatus.DRAFT:
        raise DomainError(_("Only a draft can be posted."))
    need.status = NeedStatus.OPEN
    matching.refresh_matches(need)
    audit.record(user, "need.posted", need, title=need.title)
    return need


def cancel_need(user: User, need: Need, reason: str) -> Need:
    """Cancel a draft or open need; outstanding requests and quotes end with it."""
    _own(user, need)
    reason = clean_reason(reason, ask=_("Tell the vendors why you cancel."))
    need = lock_need(need.id)
    if need.status == NeedStatus.AWARDED:
        raise DomainError(_("A quote was accepted before your cancellation arrived."))
    if need.status == NeedStatus.CANCELLED:
        raise DomainError(_("This need was already cancelled."))
    if need.status not in CANCELLABLE:
        raise DomainError(
            _("A need that is %(state)s cannot be cancelled.", state=_state(need.status))
        )
    need.status = NeedStatus.CANCELLED
    need.cancel_reason = reason
    vendors: set[int] = set()
    for rfq in db.session.scalars(sa.select(Rfq).where(Rfq.need_id == need.id)):
        if rfq.status == RfqStatus.SENT:
            rfq.status = RfqStatus.EXPIRED
            vendors.add(rfq.vendor_id)
        elif rfq.status == RfqStatus.QUOTED:
            rfq.status = RfqStatus.LOST
            vendors.add(rfq.vendor_id)
    for quote in db.session.scalars(
        sa.select(Quote).where(Quote.need_id == need.id, Quote.status == QuoteStatus.SUBMITTED)
    ):
        quote.status = QuoteStatus.REJECTED
    audit.record(user, "need.cancelled", need, reason=reason)
    for vendor_id in sorted(vendors):
        notify_all(
            members(vendor_id),
            "need.cancelled",
            link="/vendor/rfqs",
            need=need.title,
            reason=reason,
        )
    return need


def rfq_count(need: Need) -> int:
    return db.session.scalar(sa.select(sa.func.count(Rfq.id)).where(Rfq.need_id == need.id))


def _own(user: User, need: Need) -> None:
    require_sme(user)
    if need.organisation_id != user.organisation_id:
        raise NotFound(_("No such need."))


def _state(status) -> str:
    return status_label(status)
