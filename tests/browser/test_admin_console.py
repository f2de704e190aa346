"""The support console in Chromium: the incident form's component picker and banner preview, and the
way out (back to the site, sign out)."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.extensions import db
from app.models import Incident
from tests.support.services import browser_login


@pytest.mark.browser
def test_staff_pick_components_by_typing_and_see_the_banner_before_saving(live_server, page, make_user):
    make_user("boss@example.com", "boss-password", is_admin=True)
    browser_login(page, live_server, "boss@example.com", "boss-password", next_path="/admin/incidents/new/")
    page.fill("#title", "Runs start late")
    page.select_option("#impact", "critical")
    page.fill("#message", "A queue backlog.")
    preview = page.locator("#banner-preview")
    assert preview.inner_text().replace("\n", " ") == "Critical incident: Runs start late — A queue backlog."
    assert "levqor-banner-critical" in preview.get_attribute("class")

    # Select2: type a name and press Enter, twice; no Ctrl-click.
    for name in ("Work", "Data"):
        page.locator("#s2id_components input, .select2-container input.select2-input, "
                     ".select2-search__field").first.click()
        page.keyboard.type(name)
        page.keyboard.press("Enter")
    page.fill("#started_at", "2026-11-20T09:15")  # the browser's date-time control
    page.locator("input[type=submit][value='Save']").click()
    page.wait_for_url(f"{live_server}/admin/incidents/")
    incident = db.session.query(Incident).one()
    assert sorted(incident.components) == ["database", "workflows"]
    assert incident.impact == "critical"
    assert incident.started_at == datetime(2026, 11, 20, 9, 15, tzinfo=UTC)


@pytest.mark.browser
def test_admin_nav_leads_back_to_the_site_and_signs_out(live_server, page, make_user):
    make_user("boss@example.com", "boss-password", is_admin=True)
    browser_login(page, live_server, "boss@example.com", "boss-password", next_path="/admin/rq/")
    assert page.locator("#levqor-admin-nav").is_visible()  # rq-dashboard framed by the console's nav
    page.click("#levqor-admin-nav >> text=Back to site")
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/admin/")
    page.click("button:has-text('Sign out')")
    page.wait_for_url(f"{live_server}/signin")
    page.goto(f"{live_server}/admin/")
    assert "/signin?next=/admin/" in page.url
