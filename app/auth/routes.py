"""Register, log in, log out, profile."""

from __future__ import annotations

import json

from flask import Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth import bp
from app.auth.forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    DeleteAccountForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    organisation_data,
)
from app.errors import InvalidInput
from app.forms.errors import show_errors
from app.i18n import current_lang, locale_of
from app.models import Role
from app.notifications.messages import label
from app.services import accounts, audit, preferences, privacy, recovery, sessions
from app.web.navigation import home_endpoint
from app.web.redirects import safe_next
from app.web.throttle import login_page_limits


@bp.route("/login", methods=["GET", "POST"])
@login_page_limits
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is None:
            form.password.errors.append(_("Wrong e-mail or password."))
        elif not user.is_active:
            form.email.errors.append(_("This account is suspended. Please contact the platform."))
        else:
            sessions.sign_in(user)
            user.touch_login()
            audit.record(user, "account.login", user)
            flash(_("Welcome back, %(name)s.", name=user.name), "success")
            return redirect(safe_next(url_for(home_endpoint(user.role))))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    sessions.sign_out()
    flash(_("You are logged out."), "info")
    return redirect(url_for("main.index"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = accounts.register(
                email=form.email.data,
                password=form.password.data,
                name=form.name.data,
                role=Role(form.role.data),
                organisation=organisation_data(form),
                locale=current_lang(),  # the language the visitor reads the site in
            )
        except InvalidInput as exc:
            show_errors(form, exc)
        else:
            sessions.sign_in(user)
            recovery.send_verification(user)
            flash(_("Your account is ready. Welcome to Shuzhuan!"), "success")
            flash(
                _(
                    "We sent a link to %(email)s: follow it to confirm your address before "
                    "you ask for or send quotes.",
                    email=user.email,
                ),
                "info",
            )
            return redirect(url_for("auth.profile"))
    return render_template("auth/register.html", form=form)


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(data=_profile_initial())
    if form.validate_on_submit():
        accounts.update_profile(
            current_user,
            name=form.name.data,
            locale=form.locale.data,
            organisation=organisation_data(form),
        )
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("auth.profile"))
    return profile_page(form=form)


def profile_page(form: ProfileForm | None = None, **forms):
    """The profile with its account-security forms (a refused one comes back filled in)."""
    if form is None:
        form = ProfileForm(formdata=None, data=_profile_initial())
    return render_template(
        "auth/profile.html",
        form=form,
        org=current_user.organisation,
        password_form=forms.get("password_form") or ChangePasswordForm(prefix="pw", formdata=None),
        email_form=forms.get("email_form") or ChangeEmailForm(prefix="em", formdata=None),
        mail_modes=preferences.preferences_for(current_user),
        kind_label=label,
    )


def _profile_initial() -> dict:
    org = current_user.organisation
    initial = {field: getattr(org, field) for field in accounts.PROFILE_FIELDS} if org else {}
    initial.update(
        org_name=initial.pop("name", ""),
        name=current_user.name,
        locale=locale_of(current_user),
    )
    return initial


@bp.route("/privacy")
@login_required
def privacy_page():
    """Your data: download a copy, or delete the account (PIPL)."""
    return render_template("auth/privacy.html", form=DeleteAccountForm(formdata=None))


@bp.route("/privacy/export")
@login_required
def privacy_export():
    """Everything stored about the signed-in user, as a JSON download."""
    data = privacy.export_data(current_user)
    audit.record(current_user, "account.data_exported", current_user)
    body = json.dumps(data, ensure_ascii=False, indent=2)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="shuzhuan-my-data-{current_user.id}.json"'
    )
    return response


@bp.route("/privacy/delete", methods=["POST"])
@login_required
def privacy_delete():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            privacy.delete_account(
                current_user._get_current_object(), form.password.data, confirmed=form.confirm.data
            )
        except InvalidInput as exc:
            show_errors(form, exc)
        else:
            sessions.sign_out()
            flash(_("Your account and your personal data are deleted. Goodbye."), "info")
            return redirect(url_for("main.index"))
    return render_template("auth/privacy.html", form=form)
