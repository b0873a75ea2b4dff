"""The Content-Security-Policy in a real browser: the pages and the local Swagger UI work
under it, and Chromium reports no violation (the unit tests read the header and the markup;
only a browser says whether a script or style was actually blocked)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests.e2e.test_browser_loop import CHROMEDRIVER, CHROMIUM, FLAGS, WAIT, portal  # noqa: F401

PAGES = ("/", "/solutions/", "/solutions/dye-scheduler", "/auth/login", "/auth/register")


@pytest.fixture(scope="module")
def logging_browser() -> Iterator[webdriver.Chrome]:
    os.environ.setdefault("SE_OFFLINE", "true")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def _violations(driver: webdriver.Chrome) -> list[str]:
    return [
        entry["message"]
        for entry in driver.get_log("browser")
        if "Content Security Policy" in entry["message"] or "Refused to" in entry["message"]
    ]


def test_swagger_ui_renders_under_the_policy(portal, logging_browser):  # noqa: F811
    logging_browser.get(portal["base"] + "/api/v1/docs")
    WebDriverWait(logging_browser, WAIT).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, "#swagger-ui .opblock"))
    )
    assert not logging_browser.find_element(By.ID, "sz-reference").is_displayed()
    assert _violations(logging_browser) == []


def test_pages_raise_no_policy_violation(portal, logging_browser):  # noqa: F811
    for path in PAGES:
        logging_browser.get(portal["base"] + path)
        WebDriverWait(logging_browser, WAIT).until(
            ec.presence_of_element_located((By.TAG_NAME, "footer"))
        )
        assert _violations(logging_browser) == [], path
