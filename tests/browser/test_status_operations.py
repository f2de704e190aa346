"""Issue 24's console and public pages in Chromium: staff pick an incident template, publish a
postmortem on a resolved incident and see it on the public incident page, publish a draft incident
raised by failing checks in one click, post an update on running maintenance; axe-core and 390 px
checks on the template form, the maintenance forms, the draft pages, the resolved incident page, the
public history and the maintenance banner on /status, /signin and /pricing."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.common.iso import iso
from app.extensions import db
from app.models import Incident, ScheduledMaintenance, StatusSnapshot
from app.models.status import COMPONENTS
from app.models.types import utcnow
from app.status import cache, drafts, incident_templates, maintenance, maintenance_updates
from tests.support.services import browser_login
from tests.support.ui import DESKTOP, check_page


@pytest.fixture
def page(audit_page):
    """Every test here audits with axe-core."""
    return audit_page


@pytest.mark.browser
def test_staff_write_a_postmortem_that_the_public_page_shows(live_server, page, world):
    template = incident_templates.save({"name": "Stripe outage", "title": "Card payments failing",
                                        "impact": "major", "components": ["stripe"],
                                        "message": "Card payments fail; we are in touch with Stripe."}, None)
    resolved = Incident(title="Login errors", status="resolved", impact="minor", components=["api"],
                        message="Fixed.", started_at=utcnow(), resolved_at=utcnow())
    db.session.add(resolved)
    db.session.commit()
    browser_login(page, live_server, world.admin_email, world.admin_password, next_path="/admin/")

    page.goto(f"{live_server}/admin/incidents/new/")
    page.get_by_role("link", name="Stripe outage").click()
    assert page.locator("#title").input_value() == "Card payments failing"
    assert "template=" + str(template.id) in page.url

    page.goto(f"{live_server}/admin/incidents/edit/?id={resolved.id}")
    assert page.locator("#incident-closed").is_visible()
    page.get_by_role("textbox", name="Postmortem").fill("A certificate expired.\nWe now alert 30 days before expiry.")
    page.get_by_role("button", name="Publish postmortem").click()
    page.get_by_text("Postmortem published.").wait_for()

    page.goto(f"{live_server}/status/incidents/{resolved.id}")
    section = page.locator(f"#incident-{resolved.id} .postmortem")
    assert "We now alert 30 days before expiry." in section.inner_text()
    problems = check_page(page, f"{live_server}/status/history")  # with the postmortem: phone and desktop
    for path in ("/admin/incident-templates/new/", "/admin/incident-templates/", "/admin/maintenance/new/",
                 f"/admin/incidents/edit/?id={resolved.id}"):
        problems += check_page(page, live_server + path, sizes=(DESKTOP,))
    assert not problems, "\n".join(problems)


def _failing_checks(component: str):
    """Two checks in a row with `component` down, after the newest one the world holds."""
    newest = db.session.scalar(select(func.max(StatusSnapshot.ts))) or utcnow() - timedelta(minutes=10)
    rows = []
    for step in (1, 2):
        levels = {c: "up" for c in COMPONENTS} | {component: "down"}
        rows.append(StatusSnapshot(ts=max(newest, utcnow() - timedelta(minutes=10)) + timedelta(seconds=step),
                                   overall_status="down", **StatusSnapshot.level_columns(levels), details={}))
    db.session.add_all(rows)
    db.session.commit()
    return rows[-1]


@pytest.mark.browser
def test_staff_publish_a_draft_incident_from_the_console_in_one_click(live_server, page, world):
    draft = drafts.evaluate(_failing_checks("database").id)
    assert draft is not None and draft.title == "Database down"
    browser_login(page, live_server, world.admin_email, world.admin_password, next_path="/admin/")
    page.goto(f"{live_server}/status")
    assert "Database down" not in page.locator("main").inner_text()  # a draft is not public

    problems = check_page(page, f"{live_server}/admin/incident-drafts/")
    problems += check_page(page, f"{live_server}/admin/incident-drafts/details/?id={draft.id}")
    problems += check_page(page, f"{live_server}/admin/")  # the dashboard's "draft incidents" card
    assert page.locator("#dash-drafts").is_visible()
    page.goto(f"{live_server}/admin/incident-drafts/details/?id={draft.id}")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Publish incident").click()
    page.get_by_text("Published as incident").wait_for()
    assert "/admin/incidents/edit/" in page.url

    page.goto(f"{live_server}/status")
    assert "Database down" in page.locator("body").inner_text()
    assert not problems, "\n".join(problems)


@pytest.mark.browser
def test_a_running_maintenance_update_shows_in_the_banner_and_its_console_page_fits(live_server, page, world):
    now = utcnow()
    item = maintenance.schedule({"title": "Database upgrade", "message": "Writes pause.", "components": ["database"],
                                 "starts_at": iso(now + timedelta(minutes=1)),
                                 "ends_at": iso(now + timedelta(hours=1))}, None)
    item.starts_at = now - timedelta(minutes=5)
    db.session.commit()
    maintenance_updates.post(item.id, {"status": "verifying", "message": "Upgrade done; verifying replicas."}, None)
    browser_login(page, live_server, world.admin_email, world.admin_password, next_path="/admin/")
    problems = check_page(page, f"{live_server}/admin/maintenance/edit/?id={item.id}")
    page.goto(f"{live_server}/admin/maintenance/edit/?id={item.id}")
    page.get_by_role("combobox", name="Status").select_option("completed")
    page.get_by_role("textbox", name="Message").fill("All replicas in step; writes are back.")
    page.get_by_role("button", name="Post update").click()
    page.get_by_text("Update posted").wait_for()
    assert "All replicas in step; writes are back." in page.locator("body").inner_text()
    maintenance.schedule({"title": "Edge cache swap", "message": "Brief slowness.", "components": ["frontend"],
                          "starts_at": iso(now + timedelta(minutes=1)), "ends_at": iso(now + timedelta(hours=1))},
                         None)
    db.session.query(ScheduledMaintenance).filter_by(title="Edge cache swap").update(
        {"starts_at": now - timedelta(minutes=5)})
    db.session.commit()
    cache.invalidate()
    for path in ("/status", "/signin", "/pricing"):
        page.goto(live_server + path)
        assert "Edge cache swap" in page.locator("body").inner_text(), path
        problems += check_page(page, live_server + path)
    assert not problems, "\n".join(problems)
