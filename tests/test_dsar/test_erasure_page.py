"""/data-requests, erasure: asked for in headless Chromium on a phone-sized screen, seen again after
signing in during the grace period, and canceled; the console queue and the DSAR grid's notes."""
import pytest

from app.dsar import erasure
from app.extensions import db
from app.models import ErasureRequest
from tests.support.services import browser_login, browser_page
from tests.support.ui import PHONE
from tests.test_dsar.helpers import add_export


@pytest.mark.browser
def test_request_then_sign_in_again_during_the_grace_period_and_cancel(live_server, browser, user):
    with browser_page(browser, viewport=PHONE) as page:
        browser_login(page, live_server, "user@example.com", "user-password", "/data-requests")
        assert "What is erased, and what the law makes us keep" in page.locator("#erasure-rules").inner_text()
        page.fill("#erasure-password", "wrong-password")
        page.click("#request-erasure")
        assert "That password is not right. Nothing was scheduled." in page.locator(".flash-error").inner_text()
        assert db.session.query(ErasureRequest).count() == 0

        page.fill("#erasure-password", "user-password")
        page.click("#request-erasure")
        flash = page.locator(".flash-info").inner_text()  # waits for the page the POST answers with
        [row] = db.session.query(ErasureRequest).all()
        when = row.scheduled_for
        assert when.strftime("%d %B %Y") in flash
        # The server writes "16 December 2026"; app.js then shows it in the visitor's locale, so wait for that
        # rather than read the text before the script ran.
        date = f"{when:%b} {when.day}, {when.year}"
        page.locator("#erasure-state", has_text=f"scheduled for erasure on {date}").wait_for()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page scrolls sideways on a phone ({width} px)"

    # Days later, signed in again on another device: the date is there, and so is the way back.
    with browser_page(browser, viewport=PHONE) as again:
        browser_login(again, live_server, "user@example.com", "user-password", "/data-requests")
        again.locator("#erasure-state", has_text=date).wait_for()
        again.click("#cancel-erasure")
        assert "The erasure is canceled" in again.locator(".flash-info").inner_text()
        assert again.locator("#request-erasure").is_visible() and again.locator("#erasure-canceled").is_visible()
        db.session.expire_all()
        assert db.session.get(ErasureRequest, row.id).status == "canceled"


def test_console_queue_shows_erasures_with_hold_and_release(client, login, user, admin):
    row = erasure.request_erasure(user.id, "user-password")
    login(admin)
    html = client.get("/admin/dsar_erasures/").get_data(as_text=True)
    assert "user@example.com" in html and "hold-erasure" in html and "release-erasure" not in html
    form = client.get(f"/admin/dsar_erasures/{row.id}/hold").get_data(as_text=True)
    assert "Art. 17(3)" in form
    token = form.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    res = client.post(f"/admin/dsar_erasures/{row.id}/hold",
                      data={"csrf_token": token, "reason": "Unpaid invoice LQ-9"})
    assert res.status_code == 302
    html = client.get("/admin/dsar_erasures/").get_data(as_text=True)
    assert "Unpaid invoice LQ-9" in html and "release-erasure" in html
    assert html.count("admin.js") == 1  # the row buttons' confirmations: levqor_base.html loads it, once
    assert 'data-confirm="Release erasure' in html
    assert client.post(f"/admin/dsar_erasures/{row.id}/release", data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert db.session.get(ErasureRequest, row.id).status == "scheduled"


def test_dsar_grid_says_why_extend_deadline_is_absent(client, login, user, admin):
    add_export(user.id, "ready")
    add_export(user.id, "pending")
    db.session.commit()
    login(admin)
    html = client.get("/admin/dsar/").get_data(as_text=True)
    assert html.count("extend-deadline") == 1  # the pending export may still be extended
    assert "No extension: delivered, so the deadline was met" in html
