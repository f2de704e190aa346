"""The dispute journey in headless Chromium (issue 21): a claim is approved for less than the customer thinks,
the customer disputes it and writes to support on /sla-credits, a second staff member revises it in the
console, and the customer sees the new credit and the thread. The decision and dispute forms pass axe-core
and fit a 390 px phone."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.extensions import db
from app.models import SlaCreditRequest
from tests.support.services import browser_login, browser_page
from tests.support.ui import check_page
from tests.test_sla.monthly import api_down, monitor, past_period, subscription_with_period


def _staff_decides(browser, live_server, email, password, claim_id, act):
    with browser_page(browser, bypass_csp=True) as staff:  # each staff member in a browser of their own
        browser_login(staff, live_server, email, password, next_path="/admin/sla-credits/")
        url = f"{live_server}/admin/sla-credits/claim/{claim_id}"
        problems = check_page(staff, url)  # the form on screen, at 390 px and 1280 px
        staff.goto(url)
        act(staff)
        return problems


@pytest.mark.browser
def test_claim_decision_dispute_revision_and_the_customer_sees_it(live_server, audit_page, browser, make_user):
    user = make_user("disputer@example.com", "disputer-password")
    make_user("first-staff@example.com", "first-staff-password", is_admin=True)
    make_user("second-staff@example.com", "second-staff-password", is_admin=True)
    start, end = past_period()
    outage = start + timedelta(days=10)
    sub = subscription_with_period(user)
    monitor(start, end, [api_down(outage, 60)])
    claim = SlaCreditRequest(user_id=user.id, subscription_id=sub.id, plan="pro", currency="USD",
                             period_start=outage, period_end=outage + timedelta(hours=3),
                             claimed_downtime_minutes=180, description="Our workflows failed for three hours.")
    db.session.add(claim)
    db.session.commit()
    from app.sla import claims

    claims.remeasure(claim.id, None)  # measured as filing does

    def approve(staff):
        staff.check("#status-0")
        staff.fill("#credit_amount", "4.90")
        staff.fill("#notes", "Our API check saw one hour.")
        staff.click("#decide")
        staff.wait_for_selector("text=The email to the user is queued")
    problems = _staff_decides(browser, live_server, "first-staff@example.com", "first-staff-password", claim.id,
                              approve)

    customer = audit_page
    browser_login(customer, live_server, "disputer@example.com", "disputer-password", next_path="/sla-credits")
    thread = customer.locator(f"#thread-{claim.id}")
    thread.locator("summary").click()
    thread.locator("textarea[name=reason]").fill("Workflows were down for three hours, not one.")
    thread.locator("form.sla-dispute button").click()
    customer.wait_for_selector(f"#thread-{claim.id} .dispute[data-status=open]")
    thread = customer.locator(f"#thread-{claim.id}")
    thread.locator("textarea[name=body]").fill("Our run history shows every run failing 10:00-13:00.")
    thread.locator("form.sla-message button").click()
    customer.wait_for_selector(f"#thread-{claim.id} li[data-from=customer]")
    problems += check_page(customer, f"{live_server}/sla-credits")

    def revise(staff):
        assert "Workflows were down for three hours" in staff.locator("#dispute-reason").inner_text()
        assert "every run failing" in staff.locator("#thread").inner_text()
        staff.check("#outcome-1")
        staff.fill("#dispute-form #credit_amount", "12.25")
        staff.fill("#dispute-form #notes", "The workflow outage lasted three hours: 25 % tier.")
        staff.select_option("#dispute-form #credit_method", "manual")
        staff.click("#decide-dispute")
        staff.wait_for_selector("text=Dispute of")
        assert staff.locator("#dispute-status").inner_text() == "revised"
        staff.fill("#message-form textarea", "Revised: you get the 25 % tier.")
        staff.click("#post-message")
        staff.wait_for_selector("text=Message posted")
    problems += _staff_decides(browser, live_server, "second-staff@example.com", "second-staff-password", claim.id,
                               revise)

    customer.goto(f"{live_server}/sla-credits")
    row = customer.locator(f"#sla-claims tr[data-ticket='{claim.ticket_id}']").inner_text()
    assert "$12.25" in row
    thread = customer.locator(f"#thread-{claim.id}").inner_text()
    assert "Outcome: revised" in thread and "$7.35 more, $12.25 in total" in thread and "25 % tier" in thread
    assert "Revised: you get the 25 % tier." in thread and "Levqor support" in thread
    assert not problems, "\n".join(problems)
