"""What each kind of notification says, in the reader's language.

Services store a notification's ``kind`` and ``params``; the text is rendered when it is
read, so each user reads it in their own language. Add a kind here when a service emits it.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.i18n import current_lang
from app.models import Notification

MESSAGES = {
    # listings and vendors (app.services.listings, app.services.vendors)
    "listing.submitted": _l("Plug-in “%(name)s” is waiting for review."),
    "listing.approved": _l("Your plug-in “%(name)s” is published."),
    "listing.rejected": _l("Your plug-in “%(name)s” was rejected: %(reason)s"),
    "listing.suspended": _l("Your plug-in “%(name)s” was suspended: %(reason)s"),
    "vendor.verification_requested": _l("%(name)s asks to be verified."),
    "vendor.verified": _l("%(name)s is now a verified vendor."),
    "vendor.suspended": _l("%(name)s was suspended: %(reason)s"),
    "vendor.verification_rejected": _l(
        "The verification of %(name)s was rejected: %(reason)s. Correct it and ask again."
    ),
    "vendor.documents_reviewed": _l("The business documents of %(name)s are reviewed."),
    "plugin.degraded": _l("Plug-in “%(name)s” is degraded: its hooks keep failing."),
    # the marketplace loop
    "rfq.received": _l("New request for quote for “%(name)s”: %(need)s"),
    "rfq.declined": _l("%(vendor)s declined your request for “%(need)s”: %(reason)s"),
    "quote.received": _l("%(vendor)s sent a quote for “%(need)s”."),
    "quote.revised": _l("%(vendor)s revised its quote for “%(need)s”."),
    "quote.withdrawn": _l("%(vendor)s withdrew its quote for “%(need)s”."),
    "quote.accepted": _l("Your quote for “%(need)s” was accepted. The engagement has started."),
    "quote.rejected": _l("Another vendor was chosen for “%(need)s”. Thank you for quoting."),
    "engagement.completed": _l("The engagement for “%(need)s” is marked completed."),
    "rfq.closed": _l("“%(need)s” was awarded to another vendor; your request for quote is closed."),
    # milestones of an engagement (app.services.milestones)
    "milestone.delivered": _l(
        "Milestone “%(name)s” of “%(need)s” is delivered: please accept or reject it."
    ),
    "milestone.accepted": _l("Milestone “%(name)s” of “%(need)s” was accepted."),
    "milestone.rejected": _l("Milestone “%(name)s” of “%(need)s” was rejected: %(reason)s"),
    "milestone.disputed": _l(
        "Milestone “%(name)s” of “%(need)s” was rejected a second time (%(reason)s); "
        "a platform admin will decide."
    ),
    "milestone.dispute_opened": _l("Milestone “%(name)s” of “%(need)s” is in dispute."),
    "milestone.resolved_accepted": _l(
        "The platform accepted milestone “%(name)s” of “%(need)s” as delivered: %(reason)s"
    ),
    "milestone.resolved_redo": _l(
        "The platform asks for milestone “%(name)s” of “%(need)s” to be delivered again: %(reason)s"
    ),
    "milestone.overdue": _l("Milestone “%(name)s” of “%(need)s” was due on %(due)s."),
    "need.cancelled": _l("The enterprise cancelled “%(need)s”: %(reason)s"),
    "review.received": _l("You received a %(rating)s-star review for “%(name)s”."),
    "review.replied": _l("%(vendor)s replied to your review."),
    "review.flagged": _l("A review of “%(name)s” was flagged: %(reason)s"),
    "review.removed": _l("Your review of “%(name)s” was removed: %(reason)s"),
    "review.kept": _l("The flagged review of “%(name)s” stays published: %(reason)s"),
    "review.removed_notice": _l("A flagged review of “%(name)s” was removed: %(reason)s"),
    "match.hidden": _l("A match for “%(need)s” was hidden by the platform: %(reason)s"),
    # public programmes (app.services.subsidies); "name" comes as name_zh and name_en
    "programme.opened": _l("A subsidy programme for enterprises like yours opened: %(name)s"),
    "programme.committed": _l(
        "%(name)s reserved ¥%(amount)s for “%(need)s”. Download the application pack."
    ),
    "programme.not_committed": _l(
        "%(name)s could not reserve a subsidy for “%(need)s”: nothing is left that applies."
    ),
    # pooled requests (app.services.pools)
    "pool.invited": _l("%(organiser)s opened a pooled request you can join: “%(need)s”"),
    "pool.joined": _l("%(member)s joined your pooled request “%(need)s”."),
    "pool.joining_closed": _l("Joining closed for “%(need)s”: %(count)s members."),
    "pool.quote_tiers": _l("%(vendor)s set volume tiers for the pooled request “%(need)s”."),
    "pool.agreed": _l("%(member)s agreed to a quote of “%(need)s”: you can award it for them."),
    "pool.awarded_for_you": _l(
        "The organiser of “%(need)s” awarded %(vendor)s's quote for your enterprise."
    ),
    "account.suspended": _l("Your account was suspended: %(reason)s"),
    "account.reinstated": _l("Your account is active again."),
    # conversations (app.services.conversations)
    "message.received": _l("%(author)s wrote about “%(need)s”: %(excerpt)s"),
    "thread.reported": _l("A conversation about “%(need)s” was reported: %(reason)s"),
    # time passing (app.services.expiry)
    "rfq.expired": _l("The request for quote for “%(need)s” to %(vendor)s expired unanswered."),
    "quote.expired": _l("The quote of %(vendor)s for “%(need)s” expired on %(valid_until)s."),
    "reminder.rfq_unanswered": _l(
        "Reminder: %(sme)s is waiting for your quote for “%(need)s” (asked %(days)s days ago)."
    ),
    "reminder.quote_expiring": _l(
        "Reminder: the quote of %(vendor)s for “%(need)s” expires on %(valid_until)s."
    ),
    "reminder.review_invitation": _l(
        "How did “%(name)s” work out for “%(need)s”? Your review helps other enterprises."
    ),
    "reminder.outcome_after": _l(
        "It is time to measure: record the values after the work of “%(name)s” for “%(need)s”,"
        " so its measured change can be shown."
    ),
}

# Short names of the kinds, for e-mail subjects and the preferences on the profile.
LABELS = {
    "listing.submitted": _l("A plug-in waits for review"),
    "listing.approved": _l("Your plug-in is published"),
    "listing.rejected": _l("Your plug-in was rejected"),
    "listing.suspended": _l("Your plug-in was suspended"),
    "vendor.verification_requested": _l("A vendor asks to be verified"),
    "vendor.verified": _l("Your organisation is verified"),
    "vendor.suspended": _l("Your organisation was suspended"),
    "plugin.degraded": _l("A plug-in is degraded"),
    "rfq.received": _l("New request for quote"),
    "rfq.declined": _l("A vendor declined your request"),
    "quote.received": _l("New quote"),
    "quote.revised": _l("A quote was revised"),
    "quote.withdrawn": _l("A quote was withdrawn"),
    "quote.accepted": _l("Your quote was accepted"),
    "quote.rejected": _l("Another vendor was chosen"),
    "engagement.completed": _l("An engagement is completed"),
    "rfq.closed": _l("A request for quote is closed"),
    "milestone.delivered": _l("A milestone is delivered"),
    "milestone.accepted": _l("A milestone was accepted"),
    "milestone.rejected": _l("A milestone was rejected"),
    "milestone.disputed": _l("A milestone went to a platform admin"),
    "milestone.dispute_opened": _l("A milestone is in dispute"),
    "milestone.resolved_accepted": _l("A disputed milestone was accepted"),
    "milestone.resolved_redo": _l("A disputed milestone is to be delivered again"),
    "milestone.overdue": _l("A milestone is overdue"),
    "need.cancelled": _l("A need was cancelled"),
    "review.received": _l("New review"),
    "review.replied": _l("A vendor replied to your review"),
    "review.flagged": _l("A review was flagged"),
    "review.removed": _l("Your review was removed"),
    "review.kept": _l("A flagged review stays published"),
    "review.removed_notice": _l("A flagged review was removed"),
    "match.hidden": _l("A match was hidden"),
    "account.suspended": _l("Your account was suspended"),
    "account.reinstated": _l("Your account is active again"),
    "message.received": _l("New message in a conversation"),
    "thread.reported": _l("A conversation was reported"),
    "rfq.expired": _l("A request for quote expired"),
    "quote.expired": _l("A quote expired"),
    "reminder.rfq_unanswered": _l("Reminder: a request waits for your quote"),
    "reminder.quote_expiring": _l("Reminder: a quote expires soon"),
    "reminder.review_invitation": _l("Invitation to review"),
    "reminder.outcome_after": _l("Reminder: measure the outcome"),
}

# Who can receive which kinds: the profile offers a mail preference for these.
_COMMON = ("account.suspended", "account.reinstated")
ROLE_KINDS = {
    "sme": (
        "rfq.declined",
        "quote.received",
        "quote.revised",
        "quote.withdrawn",
        "message.received",
        "rfq.expired",
        "quote.expired",
        "reminder.quote_expiring",
        "reminder.review_invitation",
        "reminder.outcome_after",
        "milestone.delivered",
        "milestone.resolved_accepted",
        "milestone.resolved_redo",
        "milestone.overdue",
        "review.replied",
        "review.removed",
        "review.kept",
        "match.hidden",
        *_COMMON,
    ),
    "vendor": (
        "rfq.received",
        "message.received",
        "reminder.rfq_unanswered",
        "quote.accepted",
        "quote.rejected",
        "quote.expired",
        "rfq.expired",
        "rfq.closed",
        "need.cancelled",
        "engagement.completed",
        "milestone.accepted",
        "milestone.rejected",
        "milestone.disputed",
        "milestone.resolved_accepted",
        "milestone.resolved_redo",
        "milestone.overdue",
        "review.received",
        "review.removed_notice",
        "review.kept",
        "review.removed",
        "listing.approved",
        "listing.rejected",
        "listing.suspended",
        "vendor.verified",
        "vendor.suspended",
        *_COMMON,
    ),
    "admin": (
        "listing.submitted",
        "vendor.verification_requested",
        "plugin.degraded",
        "review.flagged",
        "thread.reported",
        "milestone.dispute_opened",
        *_COMMON,
    ),
}


def kinds_for(user) -> tuple[str, ...]:
    """The kinds of notification ``user``'s role receives."""
    return ROLE_KINDS.get(str(user.role), _COMMON)


def label(kind: str) -> str:
    text = LABELS.get(kind)
    return str(text) if text is not None else kind


class _Missing(dict):
    def __missing__(self, key: str) -> str:
        return "…"


def render(notification: Notification) -> str:
    """The notification's text in the current language; unknown kinds fall back to the kind."""
    template = MESSAGES.get(notification.kind)
    if template is None:
        return notification.kind
    params = dict(notification.params or {})
    # A parameter given in both languages (name_zh, name_en) is read in the reader's.
    lang = current_lang()
    for key in [k for k in params if k.endswith(f"_{lang}")]:
        params.setdefault(key.removesuffix(f"_{lang}"), params[key])
    return str(template) % _Missing(params)


def subject_for(notification: Notification | None) -> str:
    """An e-mail subject for ``notification`` in the current language."""
    if notification is None:
        return _("Shuzhuan")
    return _("Shuzhuan: %(label)s", label=label(notification.kind))
