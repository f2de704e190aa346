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


@pytest.mark.browser
def test_clicking_request_my_data_shows_the_toast_then_the_refusal(live_server, page, user):
    browser_login(page, live_server, "user@example.com", "user-password", "/data-requests")
    page.click("#request-export")
    toast = page.locator("#toast")
    toast.wait_for(state="visible")
    assert toast.inner_text() == "We'll email you a download link"
    assert DsarExport.query.filter_by(user_id=user.id).count() == 1
    page.locator("#exports tbody tr").first.wait_for()
    page.click("#request-export")
    page.locator("#toast.error").wait_for()  # a locator, not wait_for_function: the CSP forbids eval
    assert "next allowed" in toast.inner_text() and "30 days" in toast.inner_text()
    db.session.expire_all()
    assert DsarExport.query.filter_by(user_id=user.id).count() == 1
