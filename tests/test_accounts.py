"""Registering, logging in and out, profiles, CSRF and the login rate limit."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.models import AuditEvent, Organisation, Role, User, UserStatus
from tests import factories
from tests.conftest import csrf_token, submit

REGISTRATION = {
    "role": "sme",
    "name": "赖国华",
    "email": "Owner@Jinxiu.example",
    "password": "a-long-password",
    "confirm": "a-long-password",
    "org_name": "赣州锦绣纺织印染有限公司",
    "industry": "C17",
    "region": "CN-JX",
    "company_size": "small",
    "employees": "160",
}


def test_registering_an_sme_creates_its_organisation_and_logs_in(client, db):
    response = submit(client, "/auth/register", REGISTRATION)
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "owner@jinxiu.example"))
    assert user.role == Role.SME
    assert user.organisation.name == "赣州锦绣纺织印染有限公司"
    assert user.organisation.region == "CN-JX"
    assert user.password_hash != "a-long-password"
    assert client.get("/auth/profile").status_code == 200


def test_registering_a_vendor_creates_an_unverified_vendor_organisation(client, db):
    submit(client, "/auth/register", {**REGISTRATION, "role": "vendor", "email": "v@x.example"})
    org = db.session.scalar(sa.select(Organisation).where(Organisation.kind == "vendor"))
    assert org.verification == "unverified"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"email": "not-an-email"}, "Invalid email address"),
        ({"password": "short", "confirm": "short"}, "Use at least 10 characters."),
        ({"confirm": "something-else"}, "The passwords differ."),
        ({"org_name": ""}, "This field is required."),
        ({"employees": "-3"}, "Enter a whole number from 0 to 1000000."),
        ({"region": "CN-XX"}, "Not a valid choice."),
    ],
)
def test_bad_registration_shows_the_problem_next_to_the_field(client, db, changes, message):
    response = submit(client, "/auth/register", {**REGISTRATION, **changes})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_an_address_can_register_only_once(client, db, sme):
    response = submit(client, "/auth/register", {**REGISTRATION, "email": sme.email.upper()})
    assert "already registered" in response.get_data(as_text=True)


def test_login_and_logout(client, sme):
    response = submit(client, "/auth/login", {"email": sme.email, "password": factories.PASSWORD})
    assert response.status_code == 302
    assert client.get("/auth/profile").status_code == 200
    token = csrf_token(client, "/auth/profile")
    assert client.post("/auth/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/auth/profile").status_code == 302  # back to the login page


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client, sme):
    response = submit(client, "/auth/login", {"email": sme.email, "password": "wrong-password"})
    assert response.status_code == 422
    assert "Wrong e-mail or password." in response.get_data(as_text=True)


def test_a_suspended_user_cannot_log_in(client, db, sme):
    sme.status = UserStatus.SUSPENDED
    db.session.commit()
    response = submit(client, "/auth/login", {"email": sme.email, "password": factories.PASSWORD})
    assert "suspended" in response.get_data(as_text=True)


def test_login_follows_next_only_within_the_site(client, sme):
    data = {"email": sme.email, "password": factories.PASSWORD}
    response = submit(client, "/auth/login?next=https://evil.example/", data)
    assert response.headers["Location"] == "/needs/"


@pytest.mark.parametrize(
    ("role", "landing"),
    [("sme", "/needs/"), ("vendor", "/vendor/rfqs"), ("admin", "/admin/")],
)
def test_each_role_lands_on_its_work_after_login(client, role, landing):
    user = {"sme": factories.sme_user, "vendor": factories.vendor_user}.get(
        role, factories.admin_user
    )()
    password = factories.PASSWORD
    response = submit(client, "/auth/login", {"email": user.email, "password": password})
    assert response.headers["Location"] == landing


def test_a_post_without_csrf_token_is_refused(client, sme):
    response = client.post("/auth/login", data={"email": sme.email, "password": factories.PASSWORD})
    assert response.status_code == 400
    assert "form expired" in response.get_data(as_text=True)


def test_logout_needs_a_csrf_token(sme_client):
    assert sme_client.post("/auth/logout").status_code == 400


def test_profile_edit_saves_user_and_organisation(sme_client, sme, db):
    response = submit(
        sme_client,
        "/auth/profile",
        {
            "name": "Lai Guohua",
            "locale": "en",
            "org_name": "Jinxiu Textiles",
            "industry": "C17",
            "region": "CN-JX",
            "company_size": "medium",
            "employees": "320",
            "maturity_level": "2",
            "website": "",
            "contact_email": "",
            "description": "Knitting and dyeing.",
        },
    )
    assert response.status_code == 302
    db.session.refresh(sme)
    assert (sme.name, sme.locale) == ("Lai Guohua", "en")
    assert (sme.organisation.name, sme.organisation.employees) == ("Jinxiu Textiles", 320)
    assert sme.organisation.maturity_level == 2


def test_profile_refuses_bad_values(sme_client):
    response = submit(
        sme_client,
        "/auth/profile",
        {"name": "", "locale": "fr", "org_name": "X", "website": "not a url"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "This field is required." in page
    assert "Enter a web address starting with http:// or https://." in page


def test_create_admin_without_prompts(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["users", "create-admin", "--email", "Root@Example.com", "--password", "x" * 12]
    )
    assert result.exit_code == 0, result.output
    admin = db.session.scalar(sa.select(User).where(User.email == "root@example.com"))
    assert admin.role == Role.ADMIN
    assert (
        db.session.scalar(sa.select(AuditEvent.action).where(AuditEvent.subject_id == admin.id))
        == "account.admin_created"
    )
    again = runner.invoke(
        args=["users", "create-admin", "--email", "root@example.com", "--password", "x" * 12]
    )
    assert again.exit_code == 1 and "already registered" in again.output


def test_create_admin_refuses_a_short_password(app, db):
    result = app.test_cli_runner().invoke(
        args=["users", "create-admin", "--email", "a@b.example.com", "--password", "short"]
    )
    assert result.exit_code == 2 and "10 characters" in result.output
