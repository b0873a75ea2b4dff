"""The marketplace loop in a real browser: Debian's Chromium, headless, driven by Selenium
through /usr/bin/chromedriver, against the portal served on a free loopback port.

An SME registers, posts a need, sees explained matches and asks a vendor for a quote; the
vendor (who lands on its inbox after logging in) quotes; the SME awards and records a KPI's
baseline (correcting a typo before the work begins); three milestones are delivered and
accepted, which completes the engagement; on the review form the SME records the KPI's value
after the work and reviews; the listing and the vendor's profile show the review with its
measured change ("82 % → 95 %") and the badge that the baseline came before the work; the
vendor's and the admins' dashboards draw their charts. Each step saves a screenshot (full
page) under ``E2E_ARTIFACTS`` (default ``e2e-artifacts/``), in English and in Chinese where
it matters, so a person can look at what the browser saw.

Run with ``make e2e`` (it sets SHUZHUAN_E2E=1; the normal suite leaves this folder out).
"""

from __future__ import annotations

import base64
import logging
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask_migrate import upgrade
from selenium import webdriver
from selenium.common.exceptions import (
    ElementClickInterceptedException,
    NoAlertPresentException,
    TimeoutException,
)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db
from app.jobs.catalogue import catalogue_changed
from app.models import ListingSource, ListingStatus, PluginListing, Role, Verification
from app.services import accounts
from app.services.accounts import create_admin

# The browser test before this one leaves its live server's search segment file for the
# garbage collector, which may close it during this test's setup (a ResourceWarning, not a
# fault of this walk). Known debt: the live servers should close their index on shutdown.
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("E2E_CHROMEDRIVER", "/usr/bin/chromedriver")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
)
PASSWORD = "a-long-e2e-password"
MILESTONES = (
    ("Dye-house survey", 20, 2, "Survey report signed by the plant manager"),
    ("Scheduling live", 50, 6, "Two weeks of lots planned in the system"),
    ("Training", 30, 8, "Two foremen plan a week on their own"),
)
WAIT = 20  # seconds; the machine is shared


@pytest.fixture(scope="module")
def artifacts() -> Path:
    folder = Path(os.environ.get("E2E_ARTIFACTS", "e2e-artifacts")).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    return folder


@pytest.fixture(scope="module")
def portal(tmp_path_factory) -> Iterator[dict]:
    """A fresh portal (SQLite, in-process jobs) with a vendor, its plug-in and an admin."""
    instance = tmp_path_factory.mktemp("instance")
    os.environ["SHUZHUAN_INSTANCE"] = str(instance)

    app = create_app(
        {
            "SECRET_KEY": "e2e-" + "x" * 40,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'e2e.sqlite'}",
            "RATELIMIT_ENABLED": False,
            "JOBS": "sync",
            "SEARCH_INDEX_DIR": str(instance / "search"),
            "LOG_LEVEL": "WARNING",
        }
    )
    with app.app_context():
        upgrade()
        seeded = _seed()
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # Links in mails (read at /dev/mail) point at this server.
    app.config["BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield {"base": f"http://127.0.0.1:{server.server_port}", **seeded}
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


def _seed() -> dict:

    vendor = accounts.register(
        email="vendor@e2e.example",
        password=PASSWORD,
        name="Zhou Ming",
        role=Role.VENDOR,
        organisation={"name": "智织云科技", "region": "CN-ZJ"},
        verified=True,
    )
    vendor.organisation.verification = Verification.VERIFIED
    vendor.organisation.uscc = "91330100MA2XXXXX1Y"[:18]
    vendor.organisation.description = "专注纺织印染行业的小批量排产与车间数字化。"
    other = accounts.register(
        email="other@e2e.example",
        password=PASSWORD,
        name="Wang Fang",
        role=Role.VENDOR,
        organisation={"name": "Wattwise Energy", "region": "CN-JS"},
        verified=True,
    )
    other.organisation.verification = Verification.VERIFIED
    common = {
        "status": ListingStatus.PUBLISHED,
        "source": ListingSource.PORTAL,
        "lang": "zh",
        "company_sizes": ["small", "medium"],
        "deployment": ["saas"],
        "maturity_levels": [1, 2],
        "price_model": "subscription_year",
    }

    db.session.add_all(
        [
            PluginListing(
                vendor_id=vendor.organisation_id,
                slug="dye-scheduler",
                name="小批量染色排产系统",
                summary="按染缸排产，支持1公斤打样单与2吨大货混排。",
                description="染缸排产、打样单合并、交期预测。",
                capabilities=["production.planning", "production.mes"],
                industries=["C17"],
                regions=["*"],
                price_min=30000,
                price_max=80000,
                delivery_weeks=6,
                **common,
            ),
            PluginListing(
                vendor_id=other.organisation_id,
                slug="energy-meter",
                name="纺织厂能耗监测",
                summary="染缸蒸汽与电耗按批次计量，发现浪费。",
                capabilities=["energy.management"],
                industries=["C17", "C18"],
                regions=["CN-JS", "CN-ZJ", "CN-JX"],
                price_min=20000,
                price_max=60000,
                delivery_weeks=4,
                **common,
            ),
        ]
    )
    create_admin("admin@e2e.example", PASSWORD)
    db.session.flush()

    for slug in ("dye-scheduler", "energy-meter"):
        catalogue_changed(slug)  # indexed for search once the caller commits
    return {"vendor_org": vendor.organisation_id}


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.fail(
            f"{CHROMIUM} and {CHROMEDRIVER} are needed: apt-get install chromium chromium-driver"
        )
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must never download
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument("--window-size=1280,900")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


class Walk:
    """Small helpers so the test reads like what a person does."""

    def __init__(self, driver: webdriver.Chrome, base: str, artifacts: Path):
        self.driver, self.base, self.artifacts = driver, base, artifacts
        self.shots: list[str] = []

    def open(self, path: str) -> None:
        self.driver.get(self.base + path)

    def path(self) -> str:
        return self.driver.current_url.removeprefix(self.base)

    def find(self, css: str):
        return WebDriverWait(self.driver, WAIT).until(
            ec.presence_of_element_located((By.CSS_SELECTOR, css))
        )

    def all(self, css: str):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def fill(self, name: str, value) -> None:
        self.fill_css(f"[name='{name}']", value)

    def fill_css(self, css: str, value) -> None:
        field = self.find(css)
        field.clear()
        field.send_keys(str(value))

    def choose(self, name: str, value: str) -> None:
        Select(self.find(f"select[name='{name}']")).select_by_value(value)

    def click(self, css: str) -> None:
        element = WebDriverWait(self.driver, WAIT).until(
            ec.element_to_be_clickable((By.CSS_SELECTOR, css))
        )
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
        try:
            element.click()
        except ElementClickInterceptedException:
            # After a full-page capture Chromium may report stale coordinates; the element
            # is visible and enabled (checked above), so a script click is what a user does.
            self.driver.execute_script("arguments[0].click();", element)
        self._accept_confirmation()

    def _accept_confirmation(self) -> None:
        try:
            WebDriverWait(self.driver, 1).until(ec.alert_is_present())
            self.driver.switch_to.alert.accept()
        except (TimeoutException, NoAlertPresentException):
            pass

    def language(self, code: str) -> None:
        here = self.path()
        self.open(f"/lang/{code}?next={here}")

    def text(self) -> str:
        return self.find("body").text

    def login(self, email: str) -> None:
        self.driver.delete_all_cookies()
        self.open("/auth/login")
        self.fill("email", email)
        self.fill("password", PASSWORD)
        self.click("main form [type=submit]")

    def shot(self, name: str) -> Path:
        """A full-page screenshot: the viewport grown to the page's height."""
        metrics = self.driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
        size = metrics["cssContentSize"]
        image = self.driver.execute_cdp_cmd(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {
                    "x": 0,
                    "y": 0,
                    "width": size["width"],
                    "height": size["height"],
                    "scale": 1,
                },
            },
        )

        path = self.artifacts / f"{len(self.shots) + 1:02d}-{name}.png"
        path.write_bytes(base64.b64decode(image["data"]))
        self.shots.append(path.name)
        return path


def test_the_whole_loop_in_a_browser(portal, browser, artifacts):
    walk = Walk(browser, portal["base"], artifacts)
    try:
        _loop(walk, portal, browser)
    except Exception:
        walk.shot("failure")  # what the browser showed when it went wrong
        raise


def _loop(walk: Walk, portal: dict, browser: webdriver.Chrome) -> None:

    # An SME registers (in English) and posts a need.
    walk.open("/lang/en?next=/auth/register")
    walk.fill("org_name", "Ganzhou Jinxiu Textiles")
    walk.choose("industry", "C17")
    walk.choose("region", "CN-JX")
    walk.choose("company_size", "small")
    walk.fill("employees", 160)
    walk.fill("name", "Li Wei")
    walk.fill("email", "sme@e2e.example")
    walk.fill("password", PASSWORD)
    walk.fill("confirm", PASSWORD)
    walk.shot("register-en")
    walk.click("form [type=submit][name=submit]")
    assert walk.path().startswith("/auth/profile"), walk.path()
    # The address is confirmed from the mail, read in the development outbox (/dev/mail).
    walk.open("/dev/mail")
    walk.shot("dev-mail-en")
    walk.click("a[href*='/auth/verify/']")
    assert "is confirmed" in walk.text()

    walk.open("/needs/new")
    walk.fill("title", "Sample orders are tiny, dye lots are huge")
    walk.fill(
        "description",
        "Customers order 1 kg of sample fabric but our dyeing machines need 2 tonnes per "
        "lot. Scheduling lives in the foreman's notebook. We need small-batch production "
        "planning for the dye house.",
    )
    walk.fill("budget_max", 100000)
    walk.fill("timeline_weeks", 12)
    walk.click("button[name=submit]")
    walk.find("[data-match]")
    assert "/needs/" in walk.path()
    need_path = walk.path().split("?")[0]
    walk.shot("need-matches-en")

    # Matches are explained; the SME asks the dye scheduler's vendor for a quote.
    walk.click("[data-match='dye-scheduler'] input[name=listing_ids]")
    walk.fill("message", "Please quote for two dye houses, training included.")
    walk.click("form[action$='/rfqs'] button[type=submit]")
    assert "quote requested" in walk.find("[data-match='dye-scheduler']").text

    # The vendor lands on its inbox after logging in, and quotes.
    walk.login("vendor@e2e.example")
    assert walk.path() == "/vendor/rfqs", walk.path()
    walk.click("a[href^='/vendor/rfqs/']")
    for name, value in (
        ("licence", 20000),
        ("implementation", 15000),
        ("training", 5000),
        ("annual_fees", 10000),
        ("delivery_weeks", 6),
    ):
        walk.fill(name, value)
    walk.fill("scope", "Scheduling module, dye machine connection, two days of training")
    for i, (name, share, week, criteria) in enumerate(MILESTONES):
        walk.fill(f"milestones-{i}-name", name)
        walk.fill(f"milestones-{i}-share_pct", share)
        walk.fill(f"milestones-{i}-due_week", week)
        walk.fill(f"milestones-{i}-criteria", criteria)
    walk.shot("vendor-quote-form-en")
    walk.click("form[action$='/quote'] button[type=submit]")
    assert "Your quote is sent." in walk.text()

    # The SME compares, awards, completes and reviews.
    walk.login("sme@e2e.example")
    assert walk.path() == "/needs/", walk.path()
    walk.open(need_path + "/quotes")
    walk.shot("compare-en")
    walk.click("form[action*='/award'] button[type=submit]")
    assert "engagement" in walk.text().lower()
    walk.open(need_path)
    walk.click("a[href$='/plan']")
    plan_path = walk.path().split("#")[0]
    assert "0 of 3 accepted" in walk.text()

    # At award the SME records a baseline KPI, and corrects its typo before the work begins.
    walk.choose("kpi", "on_time_delivery")
    walk.fill_css("#value", 28)
    walk.click("form[action$='/outcomes'] button[type=submit]")
    assert "Baseline recorded." in walk.text()
    walk.click("[data-correct='baseline-on_time_delivery'] summary")
    walk.fill_css("#correct-baseline-on_time_delivery", 82)
    walk.click("[data-correct='baseline-on_time_delivery'] button[type=submit]")
    assert "Correction saved." in walk.text()
    baseline = walk.find("[data-outcome='on_time_delivery']").text
    assert "On-time delivery 82 %" in baseline, baseline
    assert "baseline recorded before the work began" in baseline
    walk.shot("outcome-baseline-en")

    # Three milestones: the vendor delivers each, the SME accepts each; the last completes.
    for position in (1, 2, 3):
        walk.login("vendor@e2e.example")
        walk.open(plan_path)
        walk.fill("note", f"Milestone {position} delivered: see the shared folder")
        walk.click(f"[data-milestone='{position}'] form[action$='/deliver'] button")
        walk.login("sme@e2e.example")
        walk.open(plan_path)
        if position == 2:
            walk.shot("milestones-delivered-en")
        walk.click(f"[data-milestone='{position}'] form[action$='/accept'] button")
    assert "3 of 3 accepted" in walk.text() and "engagement is completed" in walk.text()
    walk.language("zh")
    walk.shot("milestones-accepted-zh")
    walk.language("en")
    walk.open(need_path)
    walk.click("a[href*='/review']")
    assert "/review" in walk.path()
    # The review form shows what the review will carry; the value after the work is missing.
    assert "On-time delivery 82 %" in walk.find("[data-review-form-outcomes]").text
    assert not walk.all("[data-correct='baseline-on_time_delivery']")  # the work is done
    walk.fill_css("#after-on_time_delivery", 95)
    walk.click("form[action$='/outcomes/after'] button[type=submit]")
    assert "/review" in walk.path() and "Value after the work recorded." in walk.text()
    carried = walk.find("[data-review-form-outcomes] [data-outcome='on_time_delivery']").text
    assert "On-time delivery 82 % → 95 %" in carried and "+13 points" in carried, carried
    for name in ("rating", "quality", "cost", "timeliness", "support"):
        walk.click(f"input[name={name}][value='5']")
    walk.fill("text", "Lots are planned in minutes now; sample orders ride along with bulk.")
    walk.shot("review-form-outcome-en")
    walk.click("#review-form button[type=submit]")
    assert "your review is published" in walk.text().lower()

    # The published review shows the measured change with its badge.
    walk.open("/solutions/dye-scheduler")
    measured = walk.find("[data-review-outcomes]").text
    assert "On-time delivery 82 % → 95 %" in measured, measured
    assert "baseline recorded before the work began" in measured
    walk.shot("listing-review-outcome-en")

    # The vendor's dashboard draws the week's request, quote and win.
    walk.login("vendor@e2e.example")
    walk.open("/vendor/dashboard")
    funnel = walk.find("[data-chart='funnel'] svg.sz-chart-svg")
    assert len(funnel.find_elements(By.CSS_SELECTOR, "rect[class^='sz-series-']")) == 3
    walk.shot("vendor-dashboard-en")
    walk.language("zh")
    assert "每周询价、报价与中标" in walk.text()
    walk.shot("vendor-dashboard-zh")

    # The public profile shows the review with the reviewer's context, not its name.
    walk.open(f"/vendors/{portal['vendor_org']}")
    profile = walk.text()
    assert "智织云科技" in profile and "纺织业" in profile and "Jinxiu" not in profile
    measured = walk.find("[data-review-outcomes]").text
    assert "准时交付率 82% → 95%" in measured and "基线在工作开始前记录" in measured, measured
    walk.shot("vendor-profile-zh")
    walk.language("en")
    assert "1 verified review" in walk.text()
    walk.shot("vendor-profile-en")

    # The admins' dashboard: needs per week, rates, demand heat table.
    walk.login("admin@e2e.example")
    assert walk.path() == "/admin/", walk.path()
    walk.find("[data-chart='needs'] svg.sz-chart-svg rect[class^='sz-series-']")
    assert "100 %" in walk.find("[data-insight='request_to_award']").text
    walk.shot("admin-dashboard-en")
    walk.language("zh")
    assert "每周发布与授标的需求" in walk.text()
    walk.shot("admin-dashboard-zh")

    # On a phone the catalogue's first result is near the top, filters in a drawer.
    browser.set_window_size(390, 844)
    walk.open("/solutions/")
    first = walk.find("[data-hit]")
    assert first.location["y"] < 844, first.location
    walk.shot("catalogue-phone-zh")
    # The drawer opens; ticking a filter searches again and keeps focus on that box.
    walk.click("button[data-bs-target='#filters']")
    box = walk.find("#filters input[name=capability]")
    WebDriverWait(browser, WAIT).until(lambda _: box.is_displayed())
    name, value = box.get_attribute("name"), box.get_attribute("value")
    box.click()
    WebDriverWait(browser, WAIT).until(lambda _: f"{name}=" in walk.path())
    focused = browser.switch_to.active_element
    assert (focused.get_attribute("name"), focused.get_attribute("value")) == (name, value)
    assert focused.is_selected() and focused.is_displayed()
    walk.shot("catalogue-phone-filtered-zh")
    browser.set_window_size(1280, 900)
