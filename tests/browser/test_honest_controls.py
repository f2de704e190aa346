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
    from app.services import status_cache

    status_cache.invalidate()
    page.goto(f"{live_server}/signin")
    assert page.locator(f'.banner[data-incident-id="{incident.id}"]').count() == 1


@pytest.mark.browser
def test_a_new_toast_replaces_the_one_showing(live_server, page):
    page.goto(f"{live_server}/pricing")
    page.evaluate("levqor.toast('Some fields need your attention.', true)")
    page.evaluate("levqor.toast('Claim SLA-000001 filed.')")
    toasts = page.locator("#toast")
    assert toasts.count() == 1
    assert toasts.inner_text() == "Claim SLA-000001 filed."
    assert "error" not in toasts.get_attribute("class")
