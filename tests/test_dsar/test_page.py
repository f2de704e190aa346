"""/data-requests for people (signed-out visitors are sent to sign in first)."""
import pytest

from app.extensions import db
from app.models import DsarExport
from tests.support.services import browser_login


def test_signed_out_visitor_is_sent_to_sign_in(client):
    res = client.get("/data-requests")
    assert res.status_code == 302 and res.headers["Location"] == "/signin?next=/data-requests"


def test_page_explains_the_export_and_offers_the_button(client, user, login):
    login(user)
    html = client.get("/data-requests").get_data(as_text=True)
    assert "Request my data" in html and "logs.json" in html and "7 days" in html and "30 days" in html
    assert "You have not requested an export yet." in html


def test_throttled_user_sees_the_button_disabled_with_the_reason_before_clicking(client, user, login):
    from datetime import timedelta

    from app.dsar import throttle
    from app.models.types import utcnow

    requested = utcnow() - timedelta(days=3)
    db.session.add(DsarExport(user_id=user.id, status="failed", requested_at=requested - timedelta(days=1)))
    db.session.commit()
    login(user)
    html = client.get("/data-requests").get_data(as_text=True)
    assert 'id="request-export"' in html and " disabled>" not in html  # a failed export does not count

    db.session.add(DsarExport(user_id=user.id, status="ready", requested_at=requested,
                              expires_at=utcnow() + timedelta(days=4)))  # a live link counts
    db.session.commit()
    html = client.get("/data-requests").get_data(as_text=True)
    button = html.split('id="request-export"', 1)[1].split(">", 1)[0]
    assert "disabled" in button
    next_allowed = throttle.ceil_second(requested + timedelta(days=30)).isoformat()
    assert f'<time datetime="{next_allowed}">' in html
    assert "You can request the next one from" in html


@pytest.mark.browser
def test_clicking_request_my_data_shows_the_toast_then_the_button_says_when_next(live_server, page, browser, user):
    browser_login(page, live_server, "user@example.com", "user-password", "/data-requests")
    # A second tab, in Tokyo, opened before the request: its button still looks usable until it is clicked.
    other = browser.new_context(timezone_id="Asia/Tokyo").new_page()
    other.set_default_timeout(15000)
    browser_login(other, live_server, "user@example.com", "user-password", "/data-requests")
    assert other.locator("#request-export").is_enabled()

    page.click("#request-export")
    toast = page.locator("#toast")
    toast.wait_for(state="visible")
    assert toast.inner_text() == "We'll email you a download link"
    assert DsarExport.query.filter_by(user_id=user.id).count() == 1
    assert page.locator("#request-export").is_disabled()
    state = page.locator("#request-state time")
    assert state.get_attribute("title").endswith(" UTC")

    other.click("#request-export")
    other.locator("#toast.error").wait_for()  # a locator, not wait_for_function: the CSP forbids eval
    assert other.locator("#request-export").is_disabled()
    assert "You can request the next one from" in other.locator("#request-state").inner_text()
    # The date appears once, in the visitor's zone and format, with the UTC time in its tooltip.
    assert "UTC" not in other.locator("#request-state").inner_text()
    assert "GMT+9" in other.locator("#request-state time").inner_text()
    assert other.locator("#request-state time").get_attribute("title").endswith(" UTC")
    assert "next allowed" not in other.locator("#toast").inner_text()
    db.session.expire_all()
    assert DsarExport.query.filter_by(user_id=user.id).count() == 1

    other.context.close()

    page.reload()
    assert page.locator("#request-export").is_disabled()
    assert page.locator("#request-state time").get_attribute("title").endswith(" UTC")
