"""Controls that tell the truth: banners can be dismissed and stay dismissed; toasts replace each other."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.extensions import db
from app.models import Incident
from app.models.types import utcnow


@pytest.mark.browser
def test_a_dismissed_banner_stays_dismissed_until_the_incident_changes(live_server, page):
    incident = Incident(title="Slow sign-ins", status="resolved", impact="minor", message="Fixed.",
                        started_at=utcnow() - timedelta(hours=2), resolved_at=utcnow() - timedelta(hours=1))
    db.session.add(incident)
    db.session.commit()
    page.goto(f"{live_server}/pricing")
    banner = page.locator(f'.banner[data-incident-id="{incident.id}"]')
    assert banner.count() == 1
    page.get_by_role("button", name="Dismiss: Slow sign-ins").click()
    assert banner.count() == 0
    page.goto(f"{live_server}/signin")
    assert page.locator(".banner").count() == 0  # gone on every page, not just this one

    incident.status, incident.resolved_at = "investigating", None  # it came back: show it again
    db.session.commit()
    from app.status import cache

    cache.invalidate()
    page.goto(f"{live_server}/signin")
    assert page.locator(f'.banner[data-incident-id="{incident.id}"]').count() == 1


@pytest.mark.browser
def test_after_a_refused_then_accepted_claim_only_the_success_toast_shows(live_server, page, make_user):
    from tests.support.services import browser_login
    from tests.test_sla.conftest import make_subscription

    user = make_user("claimant@example.com", "claimant-password")
    make_subscription(user)
    browser_login(page, live_server, "claimant@example.com", "claimant-password", next_path="/sla-credits")
    local = "%Y-%m-%dT%H:%M"
    old = utcnow() - timedelta(days=120)  # before anything the subscription covered: the server refuses
    page.fill("#period_start", old.strftime(local))
    page.fill("#period_end", (old + timedelta(hours=1)).strftime(local))
    page.fill("#claimed_downtime_minutes", "30")
    page.fill("#description", "The API answered 503.")
    page.click("#sla-submit")
    toast = page.locator("#toast")
    # A locator, not wait_for_function: a string predicate that is not true at once is polled with
    # eval, which the page's CSP refuses (the test then fails only when the server is slow).
    page.locator("#toast.error").wait_for()
    refusal = toast.inner_text()

    recent = utcnow() - timedelta(days=2)
    page.fill("#period_start", recent.strftime(local))
    page.fill("#period_end", (recent + timedelta(hours=1)).strftime(local))
    page.click("#sla-submit")
    page.locator("#ticket-id").wait_for()
    ticket = page.locator("#ticket-id").inner_text()
    assert page.locator(".toast").count() == 1
    assert toast.inner_text() == f"Claim {ticket} filed." and toast.inner_text() != refusal
    assert "error" not in toast.get_attribute("class")
