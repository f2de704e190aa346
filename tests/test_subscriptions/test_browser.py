"""Subscribing in headless Chromium, as a visitor does: the box on /status answers in place (no reload)
and the confirmation mail reaches aiosmtpd; the full form shows a field error; the emailed link's page
confirms with its button, and the unsubscribe page's button unsubscribes."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import StatusSubscriber
from app.subscriptions import subscribers
from tests.support.services import mail_parts
from tests.test_subscriptions.conftest import link_in


def _row(email: str) -> StatusSubscriber:
    db.session.expire_all()  # the live server committed it from its own thread
    return db.session.scalars(select(StatusSubscriber).where(StatusSubscriber.email == email)).one()


@pytest.mark.browser
def test_the_box_on_status_subscribes_without_a_reload_and_the_mail_arrives(live_server, page, smtp, drain_queues):
    page.goto(f"{live_server}/status")
    page.evaluate("window.stillTheSamePage = true")
    page.click("text=Subscribe to updates")  # one button at the top opens the panel
    page.fill("#subscribe-email", "  Reader@Example.com ")
    page.click("#subscribe-form button[type=submit]")
    result = page.locator("#subscribe-result")
    result.filter(has_text="confirmation email is on its way").wait_for()
    assert "Nothing is sent before you confirm" in result.inner_text()
    assert page.evaluate("window.stillTheSamePage === true"), "the page reloaded"
    assert page.url == f"{live_server}/status"
    assert page.input_value("#subscribe-email") == ""  # the form was reset for the next person

    drain_queues()
    smtp.wait_for(1)
    assert len(smtp.messages) == 1
    mail = smtp.messages[0]
    assert mail["to"] == ["reader@example.com"] and "Confirm your Levqor status subscription" in mail["subject"]
    assert "/status/subscriptions/confirm/" in mail_parts(mail["message"])[0]
    assert _row("reader@example.com").state == "pending"  # nothing is sent before it is confirmed


@pytest.mark.browser
def test_the_box_shows_the_field_error_for_a_bad_address(live_server, page, smtp):
    page.goto(f"{live_server}/status")
    page.click("text=Subscribe to updates")
    page.fill("#subscribe-email", "not-an-address")
    # The browser's own check would stop a bad address first; a script-less form reaches the server anyway.
    page.evaluate("document.getElementById('subscribe-form').noValidate = true")
    page.click("#subscribe-form button[type=submit]")
    page.locator("#subscribe-result").filter(has_text="Enter a valid email address").wait_for()
    assert smtp.messages == []


@pytest.mark.browser
def test_the_subscribe_page_shows_the_field_error(live_server, page, smtp):
    page.goto(f"{live_server}/status/subscribe")
    page.fill("#email", "someone@")
    page.check("input[name=components][value=api]")
    page.click("form button[type=submit]")
    error = page.locator("#email-error")
    error.wait_for()
    assert "Enter a valid email address" in error.inner_text()
    assert page.get_attribute("#email", "aria-invalid") == "true"
    assert page.get_attribute("#email", "aria-describedby") == "email-error"
    assert page.input_value("#email") == "someone@"  # what was typed is kept
    assert page.is_checked("input[name=components][value=api]")
    assert smtp.messages == []
    assert db.session.scalars(select(StatusSubscriber)).all() == []


@pytest.mark.browser
def test_the_confirmation_page_button_confirms_and_unsubscribe_button_unsubscribes(
        live_server, page, client, subscribe):
    mail = subscribe(client, email="reader@example.com", components=["api", "workflows"])
    link = link_in(mail, r"http://localhost/status/subscriptions/confirm/")
    page.goto(live_server + link.removeprefix("http://localhost"))
    assert page.locator("h1").inner_text() == "Confirm your subscription"
    assert _row("reader@example.com").state == "pending", "opening the link alone confirms nothing"
    page.click("button:has-text('Confirm subscription')")
    page.locator("h1", has_text="You are subscribed").wait_for()
    assert "reader@example.com will hear about API, Workflows." in " ".join(page.locator("main").inner_text().split())
    row = _row("reader@example.com")
    assert row.state == "active" and row.components == ["api", "workflows"]

    page.goto(live_server + subscribers.unsubscribe_url(row).removeprefix("http://localhost"))
    assert page.locator("h1").inner_text() == "Unsubscribe"
    page.click("button:has-text('Unsubscribe')")
    page.locator("h1", has_text="You are unsubscribed").wait_for()
    assert _row("reader@example.com").state == "unsubscribed"
