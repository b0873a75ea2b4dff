"""SME pages: post and edit needs, see explained matches, ask for quotes, compare, award,
complete, review. Views parse forms and commit once; the rules live in the services."""

from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from wtforms import SelectChoice

from app.errors import InvalidInput
from app.extensions import db
from app.forms.errors import show_errors
from app.i18n import code_label
from app.milestones.routes import outcome_context
from app.models import NeedStatus, Role, fields
from app.needs import bp
from app.needs.forms import (
    ActionForm,
    CancelForm,
    EditNeedForm,
    FlagForm,
    NeedForm,
    ReviewForm,
    RfqForm,
)
from app.services import (
    attachments,
    conversations,
    match_view,
    matching,
    plugin_hooks,
    ratings,
    reviews,
    suggestions,
)
from app.services import engagements as engagement_service
from app.services import listings as listings_service
from app.services import needs as needs_service
from app.services import quotes as quote_service
from app.services import rfqs as rfq_service
from app.web.permissions import role_required
from app.web.redirects import safe_next

SUGGESTIONS = 5


def suggestions_for(text: str, lang: str | None = None) -> list[dict]:
    """Proposals for the need form: each capability with the words that suggested it."""
    return [
        {
            "code": s.code,
            "label": code_label("capability", s.code),
            "score": s.score,
            "words": s.words,
        }
        for s in suggestions.proposals(text or "", lang)[:SUGGESTIONS]
    ]


@bp.route("/")
@role_required(Role.SME)
def index():
    items = list(db.session.scalars(needs_service.my_needs(current_user)))
    counts = {need.id: needs_service.rfq_count(need) for need in items}
    return render_template("needs/index.html", needs=items, rfq_counts=counts)


def _need_form_page(form, template: str, **context):
    suggested: list[dict] = []
    if form.is_submitted() and form.suggest.data:
        # Proposed, not imposed: the owner ticks what fits; nothing is ticked for them.
        suggested = suggestions_for(f"{form.title.data or ''}\n{form.description.data or ''}")
        if not suggested:
            flash(_("We found no kind of solution in your text yet: tell us a bit more."), "info")
    return render_template(template, form=form, suggested=suggested, **context)


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.SME)
def new():
    org = current_user.organisation
    form = NeedForm(
        data={
            "industry": org.industry or "",
            "region": org.region or "",
            "company_size": org.company_size or "",
            "employees": org.employees,
            "maturity_level": org.maturity_level,
        }
    )
    if not form.suggest.data and form.validate_on_submit():
        try:
            need = needs_service.create_need(
                current_user, form.need_fields(), draft=bool(form.draft.data)
            )
        except InvalidInput as exc:
            show_errors(form, exc)
        else:
            if need.status == NeedStatus.DRAFT:
                flash(_("Your draft is saved. Post it when you are ready."), "success")
            else:
                flash(_("Your need is posted. Here are the plug-ins that fit it."), "success")
            return redirect(url_for(".show", need_id=need.id))
    return _need_form_page(form, "needs/form.html", need=None)


@bp.route("/suggest", methods=["POST"])
@role_required(Role.SME)
def suggest():
    """Capability suggestions for the text typed so far (JSON, for the need form's script)."""
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        payload = request.form
    text = str(payload.get("text") or "")[: fields.LONG_TEXT.high]
    return jsonify(suggestions=suggestions_for(text))


@bp.route("/<id:need_id>")
@role_required(Role.SME)
def show(need_id: int):
    return _show_page(needs_service.get_for_sme(current_user, need_id))


def _show_page(need, rfq_form: RfqForm | None = None, status: int = 200):
    """The need with its matches; a refused request for quotes comes back in ``rfq_form``
    with the ticks, the message and the errors beside the fields."""
    matches = matching.visible_matches(need) if need.status != NeedStatus.DRAFT else []
    rfqs = rfq_service.rfqs_for_need(current_user, need)
    requested = {rfq.listing_id for rfq in rfqs}
    cap = rfq_service.rfq_cap()
    left = max(cap - len(rfqs), 0)
    vendor_ids = {m.listing.vendor_id for m in matches} | {r.vendor_id for r in rfqs}
    rfq_form = rfq_form or RfqForm(formdata=None)
    rfq_form.listing_ids.choices = [
        SelectChoice(m.listing_id, m.listing.name) for m in matches if m.listing_id not in requested
    ]
    engagement = engagement_service.engagement_for_need(need)
    shown, folded = match_view.graded(matches)
    state = match_view.CardState(
        requested=requested,
        can_request=need.status == NeedStatus.OPEN and left > 0,
        picked=set(rfq_form.listing_ids.data or ()),
        invalid=bool(rfq_form.listing_ids.errors),
    )
    vendor_ratings = ratings.vendor_ratings(sorted(vendor_ids)) if vendor_ids else {}
    hooks = {m.listing_id: plugin_hooks.stored_results(m) for m in matches}
    # Recorded by the last matching, beside the matches it shows (no ranking on a GET).
    over_budget = (need.over_budget or []) if need.status == NeedStatus.OPEN else []
    return render_template(
        "needs/show.html",
        need=need,
        matches=matches,
        shown=match_view.match_cards(shown, need, state, vendor_ratings, hooks),
        folded=match_view.match_cards(folded, need, state, vendor_ratings, hooks, len(shown) + 1),
        over_budget=over_budget,
        over_budget_listings=listings_service.published_by_slug(over_budget)
        if request.args.get("over_budget")
        else [],
        rfqs=rfqs,
        message_counts=conversations.message_counts(r.id for r in rfqs),
        need_files=attachments.for_owner(need=need),
        requested=requested,
        rfq_left=left,
        rfq_cap=cap,
        can_request=state.can_request,
        rfq_form=rfq_form,
        quotes=quote_service.quotes_for_need(current_user, need),
        engagement=engagement,
        review=reviews.review_for(engagement) if engagement else None,
        cancel_form=CancelForm(),
        action_form=ActionForm(),
    ), status


@bp.route("/<id:need_id>/edit", methods=["GET", "POST"])
@role_required(Role.SME)
def edit(need_id: int):
    need = needs_service.get_for_sme(current_user, need_id)
    form = EditNeedForm(obj=need if request.method == "GET" else None)
    if request.method == "GET":
        form.lang.data = need.lang or ""
    if not form.suggest.data and form.validate_on_submit():
        try:
            needs_service.update_need(current_user, need, form.need_fields())
        except InvalidInput as exc:
            show_errors(form, exc)
        else:
            flash(_("Your need is saved; its matches are up to date."), "success")
            return redirect(url_for(".show", need_id=need.id))
    return _need_form_page(form, "needs/form.html", need=need)


@bp.route("/<id:need_id>/post", methods=["POST"])
@role_required(Role.SME)
def post(need_id: int):
    need = needs_service.get_for_sme(current_user, need_id)
    if ActionForm().validate_on_submit():
        needs_service.post_need(current_user, need)
        flash(_("Your need is posted. Here are the plug-ins that fit it."), "success")
    return redirect(url_for(".show", need_id=need.id))


@bp.route("/<id:need_id>/cancel", methods=["GET", "POST"])
@role_required(Role.SME)
def cancel(need_id: int):
    need = needs_service.get_for_sme(current_user, need_id)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            needs_service.cancel_need(current_user, need, form.reason.data)
        except InvalidInput as exc:
            show_errors(form, exc)
        else:
            flash(_("The need is cancelled; the vendors you asked are told."), "success")
            return redirect(url_for(".show", need_id=need.id))
    return render_template("needs/cancel.html", need=need, form=form)


@bp.route("/<id:need_id>/rfqs", methods=["POST"])
@role_required(Role.SME)
def send_rfqs(need_id: int):
    need = needs_service.get_for_sme(current_user, need_id)
    form = RfqForm()
    form.listing_ids.choices = None  # the service checks each listing
    form.listing_ids.validate_choice = False
    if not form.validate_on_submit():
        return _show_page(need, form, 422)
    try:
        sent = rfq_service.send_rfqs(
            current_user, need, form.listing_ids.data or [], form.message.data
        )
    except InvalidInput as exc:
        show_errors(form, exc)
        return _show_page(need, form, 422)
    flash(
        ngettext(
            "Sent %(num)d request for quotes. We will tell you when the quote arrives.",
            "Sent %(num)d requests for quotes. We will tell you when quotes arrive.",
            len(sent),
        ),
        "success",
    )
    return redirect(url_for(".show", need_id=need.id, _anchor="requests"))


@bp.route("/<id:need_id>/quotes")
@role_required(Role.SME)
def compare(need_id: int):
    need = needs_service.get_for_sme(current_user, need_id)
    quotes = quote_service.comparable_quotes(current_user, need)
    rfqs = rfq_service.rfqs_for_need(current_user, need)
    vendor_ids = sorted({q.vendor_id for q in quotes})
    quote_files: dict[int, list] = {}
    for item in attachments.for_owner(quote_ids=[q.id for q in quotes]):
        quote_files.setdefault(item.quote_id, []).append(item)
    live = [q for q in quotes if not quote_service.quote_expired(q)]
    cheapest = min((q.first_year_total for q in live), default=None)
    fastest = min((q.delivery_weeks for q in live), default=None)
    return render_template(
        "needs/compare.html",
        need=need,
        quotes=quotes,
        waiting=[r for r in rfqs if not any(q.rfq_id == r.id for q in quotes)],
        ratings=ratings.vendor_ratings(vendor_ids) if vendor_ids else {},
        estimates={q.id: plugin_hooks.estimate_for(q.rfq.listing, need) for q in quotes},
        cheapest=cheapest,
        fastest=fastest,
        action_form=ActionForm(),
        quote_files=quote_files,
        message_counts=conversations.message_counts(r.id for r in rfqs),
    )


@bp.route("/quotes/<id:quote_id>/award", methods=["POST"])
@role_required(Role.SME)
def award(quote_id: int):
    quote = quote_service.get_quote(current_user, quote_id)
    need_id = quote.need_id
    if ActionForm().validate_on_submit():
        engagement_service.award(current_user, quote)
        flash(
            _("Quote accepted. The engagement has started and the other vendors are told."),
            "success",
        )
    return redirect(url_for(".show", need_id=need_id, _anchor="engagement"))


@bp.route("/engagements/<id:engagement_id>/complete", methods=["POST"])
@role_required(Role.SME)
def complete(engagement_id: int):
    engagement = engagement_service.get_engagement(current_user, engagement_id)
    if ActionForm().validate_on_submit():
        engagement_service.complete_engagement(current_user, engagement)
        flash(_("The engagement is completed. Please review the vendor."), "success")
        return redirect(url_for(".review", engagement_id=engagement.id))
    return redirect(url_for(".show", need_id=engagement.need_id))


@bp.route("/engagements/<id:engagement_id>/review", methods=["GET", "POST"])
@role_required(Role.SME)
def review(engagement_id: int):
    engagement = engagement_service.get_engagement(current_user, engagement_id)
    form = ReviewForm()
    if form.validate_on_submit():
        try:
            reviews.create_review(current_user, engagement, form.data)
        except InvalidInput as exc:
            show_errors(form, exc)
        else:
            flash(_("Thank you: your review is published."), "success")
            return redirect(url_for(".show", need_id=engagement.need_id, _anchor="engagement"))
    return review_page(engagement, form=form)


def review_page(engagement, *, form: ReviewForm | None = None, failed=None, **outcome_forms):
    """The review form with the engagement's measured outcomes, which the review carries,
    and the SME's forms to record a missing value after the work or correct one."""
    return render_template(
        "needs/review.html",
        engagement=engagement,
        existing=reviews.review_for(engagement),
        form=form if form is not None else ReviewForm(formdata=None),
        **outcome_context(engagement, failed=failed, **outcome_forms),
    )


@bp.route("/reviews/<id:review_id>/flag", methods=["GET", "POST"])
@login_required
def flag_review(review_id: int):
    """Any signed-in user but the author asks the admins to look at a review."""
    item = reviews.get_review(review_id)
    form = FlagForm()
    if form.validate_on_submit():
        try:
            reviews.flag(current_user, item, form.reason.data)
        except InvalidInput as exc:
            show_errors(form, exc)
        else:
            flash(_("Thank you. The admins will look at this review."), "success")
            return redirect(safe_next(url_for("main.index")))
    return render_template("needs/flag.html", review=item, form=form)


@bp.app_template_global("quote_expired")
def _quote_expired(quote) -> bool:
    return quote_service.quote_expired(quote)
