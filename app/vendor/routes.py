"""Vendor pages: the inbox of requests for quotes sent to the vendor's own plug-ins, quotes
(submit, revise, withdraw), declining, outcomes, review replies and a small dashboard.
The vendor's listing management lives in the listings blueprint (/vendor/listings)."""

from __future__ import annotations

from datetime import date, timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.charts.dashboards import vendor_charts
from app.conversations.routes import thread_context
from app.errors import InvalidInput
from app.extensions import db
from app.forms.errors import show_errors
from app.models import QuoteStatus, RfqStatus, Role
from app.services import (
    attachments,
    dashboards,
    milestone_plans,
    plugin_hooks,
    quotes,
    reviews,
    rfqs,
)
from app.services.rows import count_rows
from app.vendor import bp
from app.vendor.forms import (
    MILESTONE_ROWS,
    DeclineForm,
    QuoteForm,
    ReplyForm,
    ReviseForm,
    WithdrawForm,
)
from app.web.boundary import discard
from app.web.permissions import role_required

TABS = {
    "open": (RfqStatus.SENT, RfqStatus.QUOTED),
    "won": (RfqStatus.AWARDED,),
    "closed": (RfqStatus.DECLINED, RfqStatus.EXPIRED, RfqStatus.LOST),
    "all": None,
}
DEFAULT_VALIDITY_DAYS = 30


@bp.route("/")
@role_required(Role.VENDOR)
def home():
    return redirect(url_for(".inbox"))


@bp.route("/rfqs")
@role_required(Role.VENDOR)
def inbox():
    tab = request.args.get("show", "open")
    if tab not in TABS:
        tab = "open"
    counts = {
        name: count_rows(rfqs.vendor_inbox(current_user, only)) for name, only in TABS.items()
    }
    return render_template(
        "vendor/inbox.html",
        rfqs=db.session.scalars(rfqs.vendor_inbox(current_user, TABS[tab])).all(),
        tab=tab,
        counts=counts,
    )


def _plan_rows(quote) -> list[dict]:
    rows = [
        {"name": m.name, "share_pct": m.share_pct, "due_week": m.due_week, "criteria": m.criteria}
        for m in milestone_plans.quote_plan(quote)
    ]
    return rows + [{}] * max(MILESTONE_ROWS - len(rows), 0)


def _rfq_page(
    rfq, *, quote_form=None, decline_form=None, withdraw_form=None, plan_errors=None, **thread_forms
):
    quote = quotes.live_quote(rfq)
    if quote_form is None:
        if quote is not None and quote.status == QuoteStatus.SUBMITTED:
            quote_form = ReviseForm(obj=quote, data={"milestones": _plan_rows(quote)})
        else:
            quote_form = QuoteForm(
                data={"valid_until": date.today() + timedelta(days=DEFAULT_VALIDITY_DAYS)}
            )
    return render_template(
        "vendor/rfq.html",
        rfq=rfq,
        need=rfq.need,
        quote=quote,
        history=[q for q in rfq.quotes if q is not quote],
        estimate=plugin_hooks.estimate_for(rfq.listing, rfq.need),
        quote_form=quote_form,
        decline_form=decline_form or DeclineForm(),
        withdraw_form=withdraw_form or WithdrawForm(),
        need_files=attachments.for_owner(need=rfq.need),
        quote_files=attachments.for_owner(quote_ids=[quote.id]) if quote else [],
        **thread_context(rfq, **thread_forms),
        milestone_errors=plan_errors or {},
        plan=milestone_plans.quote_plan(quote) if quote is not None else [],
    )


@bp.route("/rfqs/<id:rfq_id>")
@role_required(Role.VENDOR)
def rfq(rfq_id: int):
    return _rfq_page(rfqs.get_rfq_for_vendor(current_user, rfq_id))


@bp.route("/rfqs/<id:rfq_id>/quote", methods=["POST"])
@role_required(Role.VENDOR)
def quote(rfq_id: int):
    item = rfqs.get_rfq_for_vendor(current_user, rfq_id)
    live = quotes.live_quote(item)
    revising = live is not None and live.status == QuoteStatus.SUBMITTED
    form = ReviseForm() if revising else QuoteForm()
    plan_errors: dict[str, list[str]] = {}
    if form.validate_on_submit():
        try:
            if revising:
                sent = quotes.revise_quote(current_user, live, form.quote_fields())
            else:
                sent = quotes.submit_quote(current_user, item, form.quote_fields())
            try:
                milestone_plans.set_quote_plan(current_user, sent, form.milestones.data)
            except InvalidInput as exc:
                plan_errors = exc.errors
                raise
        except InvalidInput as exc:
            if plan_errors:
                discard()  # neither the quote nor its plan without the other
            else:
                show_errors(form, exc)
        else:
            flash(
                _("Your revised quote is sent.") if revising else _("Your quote is sent."),
                "success",
            )
            return redirect(url_for(".rfq", rfq_id=item.id))
    return _rfq_page(item, quote_form=form, plan_errors=plan_errors), 422


@bp.route("/rfqs/<id:rfq_id>/decline", methods=["POST"])
@role_required(Role.VENDOR)
def decline(rfq_id: int):
    item = rfqs.get_rfq_for_vendor(current_user, rfq_id)
    form = DeclineForm()
    if form.validate_on_submit():
        try:
            rfqs.decline_rfq(current_user, item, form.reason.data)
        except InvalidInput as exc:
            show_errors(form, exc)
        else:
            flash(_("You declined the request; the enterprise is told your reason."), "success")
            return redirect(url_for(".inbox"))
    return _rfq_page(item, decline_form=form), 422


@bp.route("/quotes/<id:quote_id>/withdraw", methods=["POST"])
@role_required(Role.VENDOR)
def withdraw(quote_id: int):
    item = quotes.get_quote(current_user, quote_id)
    form = WithdrawForm()
    if form.validate_on_submit():
        quotes.withdraw_quote(current_user, item, form.reason.data or "")
        flash(_("Your quote is withdrawn. You may send a new one or decline."), "success")
    return redirect(url_for(".rfq", rfq_id=item.rfq_id))


@bp.route("/reviews")
@role_required(Role.VENDOR)
def review_list():
    return render_template(
        "vendor/reviews.html", reviews=reviews.vendor_reviews(current_user), form=ReplyForm()
    )


@bp.route("/reviews/<id:review_id>/reply", methods=["POST"])
@role_required(Role.VENDOR)
def reply(review_id: int):
    item = reviews.get_review(review_id)
    form = ReplyForm()
    if form.validate_on_submit():
        reviews.reply(current_user, item, form.text.data)
        flash(_("Your reply is published."), "success")
    else:
        for message in form.text.errors:
            flash(f"{form.text.label.text}: {message}", "danger")
    return redirect(url_for(".review_list", _anchor=f"review-{item.id}"))


@bp.route("/dashboard")
@role_required(Role.VENDOR)
def dashboard():
    weekly = dashboards.vendor_dashboard(current_user)
    stats = [row.stats for row in weekly.listings]
    totals = {
        "views": sum(s.views for s in stats),
        "requests": sum(s.requests for s in stats),
        "quotes": sum(s.quotes for s in stats),
        "awards": sum(s.awards for s in stats),
    }
    totals["win_rate"] = totals["awards"] / totals["quotes"] if totals["quotes"] else None
    return render_template(
        "vendor/dashboard.html",
        stats=stats,
        totals=totals,
        reviews=reviews.vendor_reviews(current_user),
        chart_set=vendor_charts(weekly),
        response_hours={row.stats.listing.id: row.response_hours for row in weekly.listings},
    )
