"""German pages in Chromium (issue 27): German words are longer, so /status, /signin and the other public
pages must still fit a 390 px phone without sideways scrolling and pass axe-core; and the language
selector works without JavaScript."""
from __future__ import annotations

import pytest

from tests.support.services import browser_login
from tests.support.ui import check_page

PAGES = ["/status", "/signin", "/", "/pricing", "/status/history", "/status/subscribe", "/sla-credits"]


@pytest.fixture
def german(browser):
    """A German browser (Accept-Language: de-DE); CSP bypassed for axe only, as in test_pages_fit_and_a11y."""
    context = browser.new_context(bypass_csp=True, locale="de-DE")
    pg = context.new_page()
    pg.set_default_timeout(15000)
    yield pg
    context.close()


@pytest.mark.browser
def test_german_pages_fit_a_phone_and_pass_axe(live_server, german, world):
    problems = []
    for path in PAGES:
        problems += check_page(german, live_server + path)
        assert german.locator("html").get_attribute("lang") == "de", path
    german.goto(f"{live_server}/signin")
    assert german.locator("h1").inner_text() == "Anmelden"
    german.goto(f"{live_server}/status")
    assert german.locator("#components-title").inner_text() == "Komponenten"
    assert not problems, "\n".join(problems)


@pytest.mark.browser
def test_the_selector_switches_language_without_javascript(live_server, browser, world):
    context = browser.new_context(locale="de-DE", java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/pricing")
    assert page.locator("h1").inner_text() == "Preise"
    page.click("form.language button[value=en]")
    assert page.url.endswith("/pricing") and page.locator("h1").inner_text() == "Pricing"
    page.goto(f"{live_server}/status")  # the choice is remembered over the browser's German
    assert page.locator("html").get_attribute("lang") == "en"
    context.close()


@pytest.mark.browser
def test_signed_in_german_pages_fit_a_phone_and_pass_axe(live_server, german, world):
    """The pages with tables and forms (exports, erasure, claims and their threads), in German."""
    browser_login(german, live_server, world.user_email, world.user_password, next_path="/data-requests")
    problems = []
    for path in ("/data-requests", "/sla-credits"):
        problems += check_page(german, live_server + path)
    german.goto(f"{live_server}/data-requests")
    assert german.locator("#history-h").inner_text() == "Ihre bisherigen Datenexporte"
    assert not problems, "\n".join(problems)
