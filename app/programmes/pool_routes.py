"""Pooled request pages: open a pool, join or leave it, close joining (organiser), volume
tiers (vendor), and accept per member — for itself, or the organiser for all who agreed."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.errors import InvalidInput
from app.forms.errors import show_errors
from app.models import Quote, Role
from app.needs.forms import ActionForm
from app.programmes import bp
from app.programmes.forms import PoolForm, PoolMemberForm, TiersForm
from app.services import pool_awards, pools, quotes
from app.services.rows import get_or_404
from app.web.boundary import discard
from app.web.permissions import role_required


@bp.route("/pools/")
@role_required(Role.SME)
def pools_index():
    return render_template(
        "programmes/pools_index.html",
        joinable=pools.joinable(current_user),
        mine=pools.my_pools(current_user),
    )


@bp.route("/pools/new", methods=["GET", "POST"])
@role_required(Role.SME)
def pool_new():
    org = current_user.organisation
    form = PoolForm(data={"company_size": org.company_size or "small", "sites": 1})
    if form.validate_on_submit():
        try:
            pool = pools.open_pool(
                current_user,
                form.need_fields(),
                {"company_size": form.company_size.data, "sites": form.sites.data},
            )
        except InvalidInput as exc:
            show_errors(form, exc)
        else:
            flash(_("Your pool is open: enterprises like yours are invited to join."), "success")
            return redirect(url_for(".pool_show", pool_id=pool.id))
    return render_template("programmes/pool_new.html", form=form)


@bp.route("/pools/<id:pool_id>")
@login_required
def pool_show(pool_id: int):
    pool = pools.get_pool(current_user, pool_id)
    org = current_user.organisation
    return render_template(
        "programmes/pool_show.html",
        pool=pool,
        member=pools.member_of(current_user, pool),
        organiser=pools.is_organiser(current_user, pool),
        prices=pools.pool_quotes(current_user, pool),
        join_form=PoolMemberForm(
            data={"company_size": (org.company_size if org else None) or "small", "sites": 1}
        ),
        action_form=ActionForm(),
    )


@bp.route("/pools/<id:pool_id>/join", methods=["POST"])
@role_required(Role.SME)
def pool_join(pool_id: int):
    pool = pools.get_pool(current_user, pool_id)
    form = PoolMemberForm()
    if form.validate_on_submit():
        try:
            pools.join(
                current_user,
                pool,
                {"company_size": form.company_size.data, "sites": form.sites.data},
            )
        except InvalidInput as exc:
            discard()  # what the service did before it refused is not kept
            for messages in exc.errors.values():
                for message in messages:
                    flash(message, "danger")
        else:
            flash(_("You joined the pool. We tell you when quotes arrive."), "success")
    else:
        for field in (form.company_size, form.sites):
            for message in field.errors:
                flash(f"{field.label.text}: {message}", "danger")
    return redirect(url_for(".pool_show", pool_id=pool.id))


def _action(pool_id: int, act, message: str):
    pool = pools.get_pool(current_user, pool_id)
    if ActionForm().validate_on_submit():
        act(pool)
        flash(message, "success")
    return redirect(url_for(".pool_show", pool_id=pool.id))


@bp.route("/pools/<id:pool_id>/leave", methods=["POST"])
@role_required(Role.SME)
def pool_leave(pool_id: int):
    return _action(pool_id, lambda p: pools.leave(current_user, p), _("You left the pool."))


@bp.route("/pools/<id:pool_id>/close", methods=["POST"])
@role_required(Role.SME)
def pool_close(pool_id: int):
    return _action(
        pool_id,
        lambda p: pools.close_joining(current_user, p),
        _("Joining is closed: members can now accept the quotes at their tier."),
    )


def _quote_action(pool_id: int, quote_id: int, act, message: str):
    pool = pools.get_pool(current_user, pool_id)
    # The services check the quote belongs to this pool; no other quote is reachable here.
    quote = get_or_404(Quote, quote_id)
    if ActionForm().validate_on_submit():
        act(pool, quote)
        flash(message, "success")
    return redirect(url_for(".pool_show", pool_id=pool.id))


@bp.route("/pools/<id:pool_id>/quotes/<id:quote_id>/accept", methods=["POST"])
@role_required(Role.SME)
def pool_accept(pool_id: int, quote_id: int):
    return _quote_action(
        pool_id,
        quote_id,
        lambda p, q: pool_awards.accept(current_user, p, q),
        _("Quote accepted for your enterprise. Your engagement has started."),
    )


@bp.route("/pools/<id:pool_id>/quotes/<id:quote_id>/agree", methods=["POST"])
@role_required(Role.SME)
def pool_agree(pool_id: int, quote_id: int):
    return _quote_action(
        pool_id,
        quote_id,
        lambda p, q: pool_awards.agree(current_user, p, q),
        _("You agreed to this quote; the organiser can award it for you."),
    )


@bp.route("/pools/<id:pool_id>/quotes/<id:quote_id>/award", methods=["POST"])
@role_required(Role.SME)
def pool_award(pool_id: int, quote_id: int):
    return _quote_action(
        pool_id,
        quote_id,
        lambda p, q: pool_awards.award_agreed(current_user, p, q),
        _("The quote is awarded for every member that agreed."),
    )


@bp.route("/pools/quotes/<id:quote_id>/tiers", methods=["POST"])
@role_required(Role.VENDOR)
def pool_tiers(quote_id: int):
    quote = quotes.get_quote(current_user, quote_id)
    form = TiersForm()
    if form.validate_on_submit():
        try:
            pools.set_tiers(current_user, quote, form.tiers())
        except InvalidInput as exc:
            discard()  # what the service did before it refused is not kept
            for messages in exc.errors.values():
                for message in messages:
                    flash(message, "danger")
        else:
            flash(_("Your volume tiers are saved; the members are told."), "success")
    return redirect(url_for("vendor.rfq", rfq_id=quote.rfq_id, _anchor="pool"))


@bp.app_context_processor
def _pool_helpers() -> dict:
    def pool_of(need):
        return pools.pool_for_need(need)

    def pool_tiers_form(quote):
        tiers = pools.tiers_of(quote)
        data = {}
        for i, tier in enumerate(tiers[:3], start=1):
            data[f"min_members_{i}"] = tier.min_members
            data[f"price_{i}"] = tier.price
        return TiersForm(data=data)

    return {"pool_of": pool_of, "pool_tiers_form": pool_tiers_form, "pool_tiers": pools.tiers_of}
