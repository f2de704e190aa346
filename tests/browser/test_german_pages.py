"""German pages in Chromium (issue 27): German words are longer, so /status, /signin and the other public
pages must still fit a 390 px phone without sideways scrolling and pass axe-core; and the language
selector works without JavaScript; what the scripts write and the domain's validation messages are German
too, with JavaScript and without."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.models.types import utcnow
from tests.support.services import browser_login, browser_page
from tests.support.ui import check_page

PAGES = ["/status", "/signin", "/", "/pricing", "/status/history", "/status/subscribe", "/sla-credits"]


def _local(dt) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def german(browser):
    """A German browser (Accept-Language: de-DE); CSP bypassed for axe only, as in test_pages_fit_and_a11y."""
    with browser_page(browser, bypass_csp=True, locale="de-DE") as pg:
        yield pg


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


@pytest.mark.browser
def test_the_scripts_write_german_and_show_domain_errors_in_german(live_server, german, world):
    """What data_requests.js and sla_credits.js write, and a field error from the domain code sent back by
    the JSON API (its `message` English, `localized` German), on German pages."""
    browser_login(german, live_server, world.user_email, world.user_password, next_path="/data-requests")
    german.click("#request-export")
    expect(german.locator("#request-result")).to_have_text(
        "Export angefordert. Sobald er fertig ist, senden wir Ihnen einen Download-Link per E-Mail.")
    expect(german.locator("#request-state")).to_contain_text("Sie haben in den letzten 30 Tagen bereits einen Export")
    assert "You have" not in german.locator("#request-state").inner_text()

    german.goto(f"{live_server}/sla-credits")
    german.click("#sla-submit")  # the script's own checks
    expect(german.locator("#err-description")).to_have_text("Beschreiben Sie, was Sie beobachtet haben.")
    assert german.locator(".tz-note").first.inner_text() == "(Ihre Ortszeit)"
    start = utcnow() - timedelta(days=5)
    german.fill("#period_start", _local(start))
    german.fill("#period_end", _local(start + timedelta(hours=2)))
    german.locator("#period_end").dispatch_event("change")
    expect(german.locator("#sla-preview")).to_contain_text("Unsere Messung Ihres Abrechnungszeitraums")
    german.fill("#claimed_downtime_minutes", "30")
    german.fill("#description", "Die API antwortete eine halbe Stunde lang mit 503.")
    german.set_input_files("#attachment", files=[{"name": "beweis.png", "mimeType": "image/png",
                                                  "buffer": b"not a picture at all"}])
    german.click("#sla-submit")  # the domain code refuses the file's content; the API says it in German too
    expect(german.locator("#err-attachment")).to_have_text("Der Inhalt der Datei ist kein PNG.")


@pytest.mark.browser
def test_the_status_subscribe_box_answers_in_german(live_server, german, world):
    german.goto(f"{live_server}/status")
    german.click("#subscribe > summary")
    german.fill("#subscribe-email", "leserin@example.com")
    german.click("#subscribe-form button[type=submit]")
    expect(german.locator("#subscribe-result")).to_contain_text(
        re.compile(r"^(Falls sich diese Adresse anmelden lässt|Wir konnten die Bestätigungs-E-Mail)"))


@pytest.mark.browser
def test_domain_errors_without_javascript_are_german(live_server, browser, world):
    context = browser.new_context(locale="de-DE", java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/signin")
    page.fill("#email", world.user_email)
    page.fill("#password", "not-the-password")
    page.click("form.form button[type=submit]")
    assert page.locator(".flash-error").inner_text() == "E-Mail-Adresse oder Passwort ist falsch."
    page.fill("#email", world.user_email)
    page.fill("#password", world.user_password)
    page.click("form.form button[type=submit]")
    page.goto(f"{live_server}/sla-credits")
    page.click("#sla-submit")  # nothing filled in: the server's checks (app/sla/claims.py) answer
    assert page.locator("#err-description").inner_text() == "Beschreiben Sie, was Sie beobachtet haben."
    assert page.locator("#err-period_start").inner_text() == (
        "Geben Sie den Beginn des Ausfallzeitraums an (Datum und Uhrzeit nach ISO 8601).")
    context.close()
