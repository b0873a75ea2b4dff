"""Register, log in, log out, profile."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.auth import bp
from app.auth.forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    organisation_data,
)
from app.errors import InvalidInput
from app.extensions import db, limiter
from app.form_errors import show_errors
from app.models import Role, User
from app.navigation import home_endpoint
from app.services import accounts, audit, preferences, recovery


def safe_next(default: str) -> str:
    """Follow ?next= only to a path on this site (no open redirects)."""
    target = request.args.get("next") or ""
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.netloc:
        return target
    return default


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(
            db.select(User).where(User.email == accounts.normalise_email(form.email.data))
        )
        if user is None or not user.check_password(form.password.data):
            form.password.errors.append(_("Wrong e-mail or password."))
        elif not user.is_active:
            form.email.errors.append(_("This account is suspended. Please contact the platform."))
        else:
            login_user(user)
            user.touch_login()
            audit.record(user, "account.login", user)
            db.session.commit()
            flash(_("Welcome back, %(name)s.", name=user.name), "success")
            return redirect(safe_next(url_for(home_endpoint(user.role))))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
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
                locale=str(request.accept_languages.best_match(["zh", "en"]) or "zh"),
            )
        except InvalidInput as exc:
            show_errors(form, exc)
        else:
            recovery.send_verification(user)
            db.session.commit()
            login_user(user)
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
        db.session.commit()
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("auth.profile"))
    return profile_page(form=form)


def profile_page(form: ProfileForm | None = None, **forms):
    """The profile with its account-security forms (a refused one comes back filled in)."""
    from app.notifications.messages import label

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
        locale=current_user.locale or "zh",
    )
    return initial
