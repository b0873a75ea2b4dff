"""Pages that make an account recoverable: verify the address, reset and change the
password, change the address, choose which mails to get. Every e-mailed link lands here."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth import bp
from app.auth.forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    MailPreferencesForm,
    ResetPasswordForm,
)
from app.auth.routes import profile_page
from app.errors import InvalidInput
from app.extensions import limiter
from app.forms.errors import show_errors
from app.services import preferences, recovery


def _recovery_limit() -> str:
    return current_app.config["RECOVERY_RATE_LIMIT"]


def _posted_email() -> str:
    """Rate-limit key: the address asked about, so one inbox is not flooded from many IPs."""
    return "email:" + (request.form.get("email") or "").strip().lower()


@bp.route("/verify/<token>")
def verify_email(token: str):
    user = recovery.verify_email(token)
    flash(_("Thank you: %(email)s is confirmed.", email=user.email), "success")
    return redirect(url_for("auth.profile" if current_user.is_authenticated else "auth.login"))


@bp.route("/verify/resend", methods=["POST"])
@login_required
@limiter.limit(_recovery_limit)
def resend_verification():
    if recovery.send_verification(current_user) is None:
        flash(_("Your e-mail address is already confirmed."), "info")
    else:
        flash(_("We sent a new link to %(email)s.", email=current_user.email), "success")
    return redirect(url_for("auth.profile"))


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(_recovery_limit, methods=["POST"])
@limiter.limit(_recovery_limit, methods=["POST"], key_func=_posted_email)
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        recovery.request_password_reset(form.email.data)
        # The same answer whether or not the address has an account.
        flash(
            _(
                "If %(email)s has an account, we sent it a link to choose a new password.",
                email=form.email.data,
            ),
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit(_recovery_limit, methods=["POST"])
def reset_password(token: str):
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            recovery.reset_password(token, form.password.data)
        except InvalidInput as exc:
            show_errors(form, exc)
        else:
            flash(_("Your new password is set. Please log in with it."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form)


@bp.route("/profile/password", methods=["POST"])
@login_required
@limiter.limit(_recovery_limit)
def change_password():
    form = ChangePasswordForm(prefix="pw")
    if form.validate_on_submit():
        try:
            revoked = recovery.change_password(
                current_user, form.current_password.data, form.new_password.data
            )
        except InvalidInput as exc:
            show_errors(form, exc)
        else:
            flash(_("Your password is changed."), "success")
            if revoked:
                flash(_("%(n)s API tokens were revoked; create new ones.", n=revoked), "info")
            return redirect(url_for("auth.profile"))
    return _profile_with(password_form=form)


@bp.route("/profile/email", methods=["POST"])
@login_required
@limiter.limit(_recovery_limit)
def change_email():
    form = ChangeEmailForm(prefix="em")
    if form.validate_on_submit():
        try:
            recovery.request_email_change(current_user, form.password.data, form.email.data)
        except InvalidInput as exc:
            show_errors(form, exc)
        else:
            flash(
                _(
                    "We sent a link to %(email)s. Your address changes when you follow it.",
                    email=form.email.data,
                ),
                "info",
            )
            return redirect(url_for("auth.profile"))
    return _profile_with(email_form=form)


@bp.route("/email/confirm/<token>")
@limiter.limit(_recovery_limit)
def confirm_email(token: str):
    user = recovery.confirm_email_change(token)
    flash(_("Your account now uses %(email)s.", email=user.email), "success")
    return redirect(url_for("auth.profile" if current_user.is_authenticated else "auth.login"))


@bp.route("/profile/mail", methods=["POST"])
@login_required
def mail_preferences():
    if not MailPreferencesForm().validate_on_submit():
        flash(_("Your form expired. Please reload and try again."), "danger")
        return redirect(url_for("auth.profile") + "#mail")
    modes = {
        name.removeprefix("mode-"): value
        for name, value in request.form.items()
        if name.startswith("mode-")
    }
    try:
        preferences.set_modes(current_user, modes)
    except InvalidInput as exc:
        flash(exc.message, "danger")
        return _profile_with(), 422
    flash(_("Your mail preferences are saved."), "success")
    return redirect(url_for("auth.profile") + "#mail")


def _profile_with(**forms):
    return profile_page(**forms)
