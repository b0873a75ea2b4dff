"""The platform admin's pages: a dashboard, the queues, match/review/user moderation, audit log.

Every page and action is for admins only. Actions are POST forms with a CSRF token; each
calls one service function, commits once, flashes a confirmation and goes back to the page
it came from. Refusals (illegal transitions, missing reasons) are domain errors, which the
error handler turns into a clear 4xx page.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.admin import bp
from app.admin.forms import (
    AuditFilterForm,
    JobFilterForm,
    ListingFilterForm,
    NeedFilterForm,
    UserFilterForm,
    VendorFilterForm,
)
from app.charts.dashboards import admin_charts, admin_heat_tables
from app.i18n.status_labels import JOB_STATUS_LABELS
from app.jobs import outbox
from app.models import (
    JobStatus,
    Match,
    Need,
    Organisation,
    PluginListing,
    Review,
    Role,
    User,
    VendorBlock,
)
from app.models.fields import parse_id
from app.services import (
    admin_overview,
    audit,
    dashboards,
    job_admin,
    listings,
    match_moderation,
    plugin_health,
    review_moderation,
    user_moderation,
    vendors,
)
from app.services.matching import visible_matches
from app.services.ratings import vendor_ratings
from app.services.rows import get_or_404
from app.web.pagination import paginate
from app.web.permissions import role_required
from app.web.redirects import redirect_next

PER_PAGE = 30
admin_only = role_required(Role.ADMIN)


def _back(default: str):
    """Redirect to the form's ``next`` (a path on this site) or to ``default``."""
    return redirect_next(default)


def _reason() -> str:
    return request.form.get("reason", "")


def _filters(form) -> dict:
    """The valid filter values of a GET form; an invalid one is ignored (and shown as such)."""
    form.validate()
    return {
        name: field.data
        for name, field in form._fields.items()
        if name != "submit" and not field.errors and field.data not in (None, "")
    }


def _paginate(query: sa.Select):
    return paginate(query, PER_PAGE)


@bp.context_processor
def _admin_tabs() -> dict:
    """The queue counts shown as badges on the admin tabs of every admin page."""
    if current_user.is_authenticated and current_user.role == Role.ADMIN:
        return {"admin_queues": admin_overview.queue_counts()}
    return {}


# ---------------------------------------------------------------------------------------------
# dashboard


@bp.route("/")
@admin_only
def dashboard():
    insights = dashboards.admin_dashboard(current_user)
    return render_template(
        "admin/dashboard.html",
        queues=admin_overview.queue_counts(),
        health=admin_overview.market_health(),
        insights=insights,
        chart_set=admin_charts(insights),
        heat_tables=admin_heat_tables(insights),
    )


# ---------------------------------------------------------------------------------------------
# listings


@bp.route("/listings")
@admin_only
def listings_index():
    form = ListingFilterForm(formdata=request.args)
    values = _filters(form)
    page = _paginate(listings.admin_query(values.get("q"), values.get("status")))
    return render_template(
        "admin/listings.html", queue=listings.pending_review(), page=page, form=form
    )


@bp.route("/listings/<id:listing_id>/approve", methods=["POST"])
@admin_only
def listing_approve(listing_id: int):
    listing = get_or_404(PluginListing, listing_id)
    listings.approve(current_user, listing)
    flash(_("“%(name)s” is published.", name=listing.name), "success")
    return _back(url_for(".listings_index"))


@bp.route("/listings/<id:listing_id>/reject", methods=["POST"])
@admin_only
def listing_reject(listing_id: int):
    listing = get_or_404(PluginListing, listing_id)
    listings.reject(current_user, listing, _reason())
    flash(_("“%(name)s” was rejected; the vendor is told why.", name=listing.name), "success")
    return _back(url_for(".listings_index"))


@bp.route("/listings/<id:listing_id>/suspend", methods=["POST"])
@admin_only
def listing_suspend(listing_id: int):
    listing = get_or_404(PluginListing, listing_id)
    listings.suspend(current_user, listing, _reason())
    flash(_("“%(name)s” is suspended.", name=listing.name), "success")
    return _back(url_for(".listings_index"))


@bp.route("/listings/<id:listing_id>/reinstate", methods=["POST"])
@admin_only
def listing_reinstate(listing_id: int):
    listing = get_or_404(PluginListing, listing_id)
    listings.reinstate(current_user, listing)
    flash(_("“%(name)s” is published again.", name=listing.name), "success")
    return _back(url_for(".listings_index"))


# ---------------------------------------------------------------------------------------------
# vendors


@bp.route("/vendors")
@admin_only
def vendors_index():
    form = VendorFilterForm(formdata=request.args)
    values = _filters(form)
    queue = vendors.pending_verification()
    page = _paginate(vendors.admin_query(values.get("q"), values.get("status")))
    org_ids = [org.id for org in [*queue, *page.items]]
    listing_counts = listings.published_counts(org_ids)
    blocks = match_moderation.global_blocks()
    return render_template(
        "admin/vendors.html",
        queue=queue,
        page=page,
        form=form,
        listing_counts=listing_counts,
        ratings=vendor_ratings(org_ids),
        blocks=blocks,
        blocked_ids={b.vendor_id for b in blocks},
    )


def _vendor(org_id: int) -> Organisation:
    return vendors.get_vendor(org_id)


@bp.route("/vendors/<id:org_id>/verify", methods=["POST"])
@admin_only
def vendor_verify(org_id: int):
    org = _vendor(org_id)
    vendors.verify(current_user, org, documents_reviewed=request.values.get("documents") == "1")
    flash(_("%(name)s is verified.", name=org.name), "success")
    return _back(url_for(".vendors_index"))


@bp.route("/vendors/<id:org_id>/documents-reviewed", methods=["POST"])
@admin_only
def vendor_documents_reviewed(org_id: int):
    org = _vendor(org_id)
    vendors.mark_documents_reviewed(current_user, org)
    flash(_("%(name)s: business documents marked reviewed.", name=org.name), "success")
    return _back(url_for(".vendors_index"))


@bp.route("/vendors/<id:org_id>/reject", methods=["POST"])
@admin_only
def vendor_reject(org_id: int):
    org = _vendor(org_id)
    vendors.reject(current_user, org, _reason())
    flash(
        _("%(name)s was told why; it may correct its details and ask again.", name=org.name),
        "success",
    )
    return _back(url_for(".vendors_index"))


@bp.route("/vendors/<id:org_id>/suspend", methods=["POST"])
@admin_only
def vendor_suspend(org_id: int):
    org = _vendor(org_id)
    vendors.suspend(current_user, org, _reason())
    flash(_("%(name)s is suspended; its plug-ins left the catalogue.", name=org.name), "success")
    return _back(url_for(".vendors_index"))


@bp.route("/vendors/<id:org_id>/block", methods=["POST"])
@admin_only
def vendor_block(org_id: int):
    """Block a vendor from matching: for one need (``need_id``) or everywhere."""
    org = _vendor(org_id)
    raw_need_id = (request.form.get("need_id") or "").strip()
    everywhere = request.form.get("scope") == "everywhere" or not raw_need_id
    need = None if everywhere else get_or_404(Need, parse_id(raw_need_id))
    match_moderation.block_vendor(current_user, org, _reason(), need)
    if need is None:
        flash(_("%(name)s is blocked from every need's matches.", name=org.name), "success")
    else:
        flash(_("%(name)s is blocked for this need.", name=org.name), "success")
    return _back(url_for(".vendors_index"))


@bp.route("/blocks/<id:block_id>/remove", methods=["POST"])
@admin_only
def block_remove(block_id: int):
    block = get_or_404(VendorBlock, block_id)
    name = block.vendor.name
    match_moderation.unblock_vendor(current_user, block, request.form.get("reason"))
    flash(_("%(name)s is no longer blocked.", name=name), "success")
    return _back(url_for(".vendors_index"))


# ---------------------------------------------------------------------------------------------
# plug-in health


@bp.route("/plugins")
@admin_only
def plugins_index():
    return render_template("admin/plugins.html", plugins=plugin_health.operator_plugins())


@bp.route("/plugins/<id:listing_id>/reset", methods=["POST"])
@admin_only
def plugin_reset(listing_id: int):
    listing = get_or_404(PluginListing, listing_id)
    plugin_health.mark_plugin_fixed(current_user, listing)
    flash(
        _("“%(name)s” is marked fixed; its hooks are called again.", name=listing.name), "success"
    )
    return _back(url_for(".plugins_index"))


# ---------------------------------------------------------------------------------------------
# needs and their matches


@bp.route("/needs")
@admin_only
def needs_index():
    form = NeedFilterForm(formdata=request.args)
    values = _filters(form)
    page = _paginate(match_moderation.needs_query(values.get("q"), values.get("status")))
    counts = match_moderation.match_counts([need.id for need in page.items])
    return render_template("admin/needs.html", page=page, form=form, counts=counts)


@bp.route("/needs/<id:need_id>")
@admin_only
def need_detail(need_id: int):
    need = get_or_404(Need, need_id)
    blocks = match_moderation.blocks_for(need)
    return render_template(
        "admin/need.html",
        need=need,
        matches=match_moderation.all_matches(need),
        visible_ids={m.id for m in visible_matches(need)},
        blocks=blocks,
        blocked_ids={b.vendor_id for b in blocks},
    )


def _match_action(match_id: int, action, message: str, *args):
    match = get_or_404(Match, match_id)
    action(current_user, match, *args)
    flash(message % {"name": match.listing.name}, "success")
    return _back(url_for(".need_detail", need_id=match.need_id))


@bp.route("/matches/<id:match_id>/pin", methods=["POST"])
@admin_only
def match_pin(match_id: int):
    return _match_action(
        match_id, match_moderation.pin_match, _("“%(name)s” is pinned first."), _reason()
    )


@bp.route("/matches/<id:match_id>/unpin", methods=["POST"])
@admin_only
def match_unpin(match_id: int):
    return _match_action(
        match_id, match_moderation.unpin_match, _("“%(name)s” is no longer pinned.")
    )


@bp.route("/matches/<id:match_id>/hide", methods=["POST"])
@admin_only
def match_hide(match_id: int):
    return _match_action(
        match_id, match_moderation.hide_match, _("“%(name)s” is hidden from the SME."), _reason()
    )


@bp.route("/matches/<id:match_id>/unhide", methods=["POST"])
@admin_only
def match_unhide(match_id: int):
    return _match_action(
        match_id, match_moderation.unhide_match, _("“%(name)s” is shown to the SME again.")
    )


# ---------------------------------------------------------------------------------------------
# reviews


@bp.route("/reviews")
@admin_only
def reviews_index():
    return render_template(
        "admin/reviews.html",
        reviews=review_moderation.flagged_reviews(),
        open_flags=review_moderation.open_flags,
    )


@bp.route("/reviews/<id:review_id>/keep", methods=["POST"])
@admin_only
def review_keep(review_id: int):
    review = get_or_404(Review, review_id)
    review_moderation.keep_review(current_user, review, _reason())
    flash(_("The review stays published; the flags are resolved."), "success")
    return _back(url_for(".reviews_index"))


@bp.route("/reviews/<id:review_id>/remove", methods=["POST"])
@admin_only
def review_remove(review_id: int):
    review = get_or_404(Review, review_id)
    review_moderation.remove_review(current_user, review, _reason())
    flash(_("The review is removed and no longer counts."), "success")
    return _back(url_for(".reviews_index"))


# ---------------------------------------------------------------------------------------------
# users


@bp.route("/users")
@admin_only
def users_index():
    form = UserFilterForm(formdata=request.args)
    values = _filters(form)
    page = _paginate(
        user_moderation.users_query(values.get("q"), values.get("role"), values.get("status"))
    )
    return render_template("admin/users.html", page=page, form=form)


@bp.route("/users/<id:user_id>/suspend", methods=["POST"])
@admin_only
def user_suspend(user_id: int):
    user = get_or_404(User, user_id)
    user_moderation.suspend_user(current_user, user, _reason())
    flash(_("%(email)s is suspended.", email=user.email), "success")
    return _back(url_for(".users_index"))


@bp.route("/users/<id:user_id>/reinstate", methods=["POST"])
@admin_only
def user_reinstate(user_id: int):
    user = get_or_404(User, user_id)
    user_moderation.reinstate_user(current_user, user, request.form.get("reason"))
    flash(_("%(email)s is active again.", email=user.email), "success")
    return _back(url_for(".users_index"))


# ---------------------------------------------------------------------------------------------
# background jobs (the outbox)


@bp.route("/jobs")
@admin_only
def jobs_index():
    form = JobFilterForm(formdata=request.args)
    status = _filters(form).get("status")
    page = _paginate(outbox.listing([JobStatus(status)] if status else None))
    return render_template(
        "admin/jobs.html",
        page=page,
        form=form,
        counts=outbox.counts(),
        job_labels=JOB_STATUS_LABELS,
    )


@bp.route("/jobs/<id:job_id>/retry", methods=["POST"])
@admin_only
def job_retry(job_id: int):
    job_admin.retry_jobs(current_user, [job_id])
    flash(_("Job %(id)s will run again.", id=job_id), "success")
    return _back(url_for(".jobs_index"))


@bp.route("/jobs/retry-stuck", methods=["POST"])
@admin_only
def jobs_retry_stuck():
    retried = job_admin.retry_jobs(current_user, job_admin.stuck_job_ids())
    flash(
        ngettext("%(num)d job will run again.", "%(num)d jobs will run again.", len(retried)),
        "success",
    )
    return _back(url_for(".jobs_index"))


# ---------------------------------------------------------------------------------------------
# audit log


@bp.route("/audit")
@admin_only
def audit_index():
    form = AuditFilterForm(
        formdata=request.args,
        actions=audit.audit_actions(),
        subject_types=audit.audit_subject_types(),
    )
    values = _filters(form)
    page = _paginate(
        audit.audit_query(
            actor=values.get("actor"),
            action=values.get("action"),
            subject_type=values.get("subject_type"),
            subject_id=values.get("subject_id"),
            since=values.get("since"),
            until=values.get("until"),
        )
    )
    return render_template("admin/audit.html", page=page, form=form)
