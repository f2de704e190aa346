"""Issue 24's console and public pages in Chromium: staff pick an incident template, publish a
postmortem on a resolved incident and see it on the public incident page; axe-core and 390 px checks
on the template form, the maintenance form, the resolved incident page and the public history."""
from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Incident
from app.models.types import utcnow
from app.status import incident_templates
from tests.support.services import browser_login
from tests.support.ui import DESKTOP, check_page


@pytest.fixture
def page(browser):
    context = browser.new_context(bypass_csp=True)  # axe is injected as a script (see test_pages_fit_and_a11y)
    pg = context.new_page()
    pg.set_default_timeout(15000)
    yield pg
    context.close()


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
