"""End to end in headless Chromium: a user files a claim with evidence, staff approve it in the admin,
and the user sees "approved"."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app.models.types import utcnow
from tests.support.services import browser_login
from tests.test_sla.conftest import make_subscription


def _local(dt) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M")


@pytest.mark.browser
def test_claim_with_attachment_is_approved_in_admin_and_user_sees_it(live_server, page, browser, make_user):
    user = make_user("claimant@example.com", "claimant-password")
    make_user("staff@example.com", "staff-password", is_admin=True)
    make_subscription(user)

    browser_login(page, live_server, "claimant@example.com", "claimant-password", next_path="/sla-credits")
    assert "How credits work" in page.content()

    # Inline validation: nothing is sent until the form makes sense.
    page.click("#sla-submit")
    assert page.locator("#err-description").inner_text() == "Describe what you saw."
    assert page.locator("#err-period_start").is_visible()
    start = utcnow() - timedelta(days=3)
    page.fill("#period_start", _local(start + timedelta(hours=2)))
    page.fill("#period_end", _local(start))
    page.fill("#claimed_downtime_minutes", "30")
    page.click("#sla-submit")
    assert page.locator("#err-period_end").inner_text() == "The period must end after it starts."

    page.fill("#period_start", _local(start))
    page.fill("#period_end", _local(start + timedelta(hours=2)))
    page.fill("#description", "Every API call answered 503 for half an hour.")
    page.set_input_files("#attachment", files=[{"name": "api-errors.log", "mimeType": "text/plain",
                                                "buffer": b"19:50 GET /api/workflows 503\n" * 10}])
    page.click("#sla-submit")
    ticket = page.locator("#ticket-id").inner_text()
    assert re.fullmatch(r"SLA-\d{6}", ticket)
    assert page.locator("#err-period_end").is_hidden()
    row = page.locator(f"#sla-claims tr[data-ticket='{ticket}']")
    assert "pending" in row.inner_text()

    staff_context = browser.new_context()
    staff = staff_context.new_page()
    staff.set_default_timeout(15000)
    try:
        browser_login(staff, live_server, "staff@example.com", "staff-password", next_path="/admin/sla-credits/")
        staff.click(f"text={ticket}")
        assert "api-errors.log" in staff.locator("#attachment-link").inner_text()
        staff.check("#status-0")
        staff.fill("#credit_amount", "15.00")  # major units, as staff think of money
        staff.fill("#notes", "Confirmed by our monitoring.")
        staff.click("#decide")
        staff.wait_for_selector("text=The user has been emailed")
        assert staff.locator("#claim-status").inner_text() == "approved"
    finally:
        staff_context.close()

    page.goto(f"{live_server}/sla-credits")
    row = page.locator(f"#sla-claims tr[data-ticket='{ticket}']")
    assert "approved" in row.inner_text() and "$15.00" in row.inner_text()
    assert "Confirmed by our monitoring." in row.inner_text()
