"""End to end in headless Chromium: a user files a claim with evidence, staff approve it in the admin,
and the user sees "approved"."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app.models.types import utcnow
from tests.support.services import browser_login, browser_page
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

    with browser_page(browser) as staff:  # staff in a browser of their own
        browser_login(staff, live_server, "staff@example.com", "staff-password", next_path="/admin/sla-credits/")
        staff.click(f"text={ticket}")
        assert "api-errors.log" in staff.locator("#attachment-link").inner_text()
        staff.check("#status-0")
        staff.fill("#credit_amount", "15.00")  # major units, as staff think of money
        staff.fill("#notes", "Confirmed by our monitoring.")
        staff.click("#decide")
        staff.wait_for_selector("text=The email to the user is queued")
        assert staff.locator("#claim-status").inner_text() == "approved"

    page.goto(f"{live_server}/sla-credits")
    row = page.locator(f"#sla-claims tr[data-ticket='{ticket}']")
    assert "approved" in row.inner_text() and "$15.00" in row.inner_text()
    assert "Confirmed by our monitoring." in row.inner_text()


@pytest.mark.browser
def test_filing_shows_overlapping_incidents_and_staff_see_the_monthly_computation(live_server, page, browser,
                                                                                   make_user):
    from app.extensions import db
    from app.models import Incident
    from tests.test_sla.monthly import api_down, monitor, past_period, subscription_with_period

    user = make_user("month@example.com", "month-password")
    make_user("staff2@example.com", "staff-password", is_admin=True)
    start, end = past_period()
    outage = start + timedelta(days=10)
    subscription_with_period(user)
    monitor(start, end, [api_down(outage, 60)])
    # Longer than the outage, so the browser's time zone cannot move the typed window off it.
    db.session.add(Incident(title="API returning 503", status="resolved", impact="major", components=["api"],
                            started_at=outage - timedelta(hours=12), resolved_at=outage + timedelta(hours=12)))
    db.session.commit()

    browser_login(page, live_server, "month@example.com", "month-password", next_path="/sla-credits")
    page.fill("#period_start", _local(outage))
    page.fill("#period_end", _local(outage + timedelta(hours=1)))
    page.wait_for_selector("#sla-overlaps:not([hidden])")
    assert "Incident: API returning 503 (major, api)" in page.locator("#sla-overlaps").inner_text()
    page.fill("#claimed_downtime_minutes", "60")
    page.fill("#description", "The API answered 503 for an hour.")
    page.click("#sla-submit")
    ticket = page.locator("#ticket-id").inner_text()

    with browser_page(browser) as staff:  # staff in a browser of their own
        browser_login(staff, live_server, "staff2@example.com", "staff-password", next_path="/admin/sla-credits/")
        staff.click(f"text={ticket}")
        assert "99.861% = (43200 − 60) ÷ 43200" in staff.locator("#monthly-uptime").inner_text()
        assert "$49.00" in staff.locator("#period-charge").inner_text()
        assert "$4.90" in staff.locator("#suggested-credit").inner_text()
        assert "10% × $49.00" in staff.locator("#suggested-credit").inner_text()
        assert "API returning 503" in staff.locator("#overlapping-events").inner_text()
        assert staff.input_value("#credit_amount") == "4.90"
        staff.check("#status-0")
        staff.select_option("#credit_method", "manual")
        staff.fill("#stripe_ref", "ccn_by_hand_1")
        staff.click("#decide")
        staff.wait_for_selector("text=The email to the user is queued")
        assert staff.locator("#credit-state").inner_text() == "issued"

    page.goto(f"{live_server}/sla-credits")
    row = page.locator(f"#sla-claims tr[data-ticket='{ticket}']").inner_text()
    assert "approved" in row and "$4.90" in row and "Monthly uptime 99.861%" in row


def _month_with_an_hour_down(make_user, email):
    from tests.test_sla.monthly import api_down, monitor, past_period, subscription_with_period

    user = make_user(email, "month-password")
    start, end = past_period()
    outage = start + timedelta(days=10)
    subscription_with_period(user)
    monitor(start, end, [api_down(outage, 60)])
    return outage


MEASURED = "99.86 % uptime, credit $4.90"  # an hour down in a 30-day $49 month (issue 21's own example)


@pytest.mark.browser
def test_picking_the_window_shows_our_measurement_and_filing_clears_it(live_server, page, make_user):
    from app.extensions import db
    from app.models import Incident

    outage = _month_with_an_hour_down(make_user, "preview@example.com")
    db.session.add(Incident(title="API returning 503", status="resolved", impact="major", components=["api"],
                            started_at=outage - timedelta(hours=12), resolved_at=outage + timedelta(hours=12)))
    db.session.commit()
    browser_login(page, live_server, "preview@example.com", "month-password", next_path="/sla-credits")
    assert page.locator("#sla-preview").is_hidden() and page.locator("#sla-preview-button").is_hidden()
    page.fill("#period_start", _local(outage))
    page.fill("#period_end", _local(outage + timedelta(hours=1)))
    page.wait_for_selector("#sla-preview:not([hidden])")
    page.locator("#sla-preview", has_text="credit").wait_for()  # not wait_for_function: the CSP forbids eval
    text = page.locator("#sla-preview").inner_text()
    assert text.startswith("Our measurement of your billing period (") and MEASURED in text, text
    assert "Your workflow runs in this window: 0, 0 failed." in text
    page.wait_for_selector("#sla-overlaps:not([hidden])")
    assert "We recorded in this window" in page.locator("#sla-overlaps").inner_text()

    page.fill("#claimed_downtime_minutes", "60")
    page.fill("#description", "The API answered 503 for an hour.")
    page.click("#sla-submit")
    assert re.fullmatch(r"SLA-\d{6}", page.locator("#ticket-id").inner_text())
    assert page.locator("#sla-preview").is_hidden() and page.locator("#sla-overlaps").is_hidden()
    assert "We recorded in this window" not in page.locator("main").inner_text()
    assert MEASURED not in page.locator("main").inner_text()


@pytest.mark.browser
def test_the_form_works_without_javascript(live_server, browser, make_user):
    """Times typed without JavaScript are UTC (the label says so); the measurement comes from a button."""
    from app.models import SlaCreditRequest

    outage = _month_with_an_hour_down(make_user, "nojs@example.com")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        browser_login(page, live_server, "nojs@example.com", "month-password", next_path="/sla-credits")
        assert page.locator("label[for=period_start]").inner_text() == "Outage started (UTC)"
        page.fill("#period_start", _local(outage))
        page.fill("#period_end", _local(outage + timedelta(hours=1)))
        page.click("#sla-preview-button")
        assert MEASURED in page.locator("#sla-preview").inner_text()
        assert page.input_value("#period_start") == _local(outage)  # what was typed is kept

        page.click("#sla-submit")  # no minutes, no description: refused per field, nothing filed
        assert page.locator("#err-description").inner_text() and page.locator("#err-description").is_visible()
        assert page.get_attribute("#description", "aria-invalid") == "true"
        page.fill("#claimed_downtime_minutes", "60")
        page.fill("#description", "The API answered 503 for an hour.")
        page.click("#sla-submit")
        flash = page.locator(".flash").first.inner_text()
        assert "Claim filed. Your ticket id is SLA-" in flash
    finally:
        context.close()
    from app.extensions import db

    db.session.expire_all()
    claim = db.session.query(SlaCreditRequest).one()
    assert claim.period_start == outage and claim.claimed_downtime_minutes == 60
    assert claim.monthly_uptime_percent is not None and round(claim.monthly_uptime_percent, 2) == 99.86
