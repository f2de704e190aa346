"""/status in headless Chromium, at desktop and phone widths: Statuspage's words, one state per component
(with a component status declared by an incident update), the 90-day bar opened by keyboard and by tap,
one banner per incident, the 15-day list, the subscribe panel; axe-core and no sideways scrolling."""
from datetime import date, timedelta

import pytest

from app.extensions import db
from app.models import Incident, IncidentUpdate
from app.models.types import utcnow
from tests.support.ui import DESKTOP, PHONE, axe_violations, check_page, horizontal_overflow


def _shown_date(cell) -> str:
    """The day a cell stands for, as the page words it ("Wed 2 Dec 2026")."""
    day = date.fromisoformat(cell.get_attribute("data-day"))
    return f"{day:%a} {day.day} {day:%b %Y}"


@pytest.fixture
def runs_delayed(healthy_day, add_snapshot):
    """A "major" incident titled "runs delayed" whose newest update declares the API a partial outage,
    while every check measures up, and the database measured down a minute ago."""
    now = utcnow()
    add_snapshot(now, database="down")
    incident = Incident(title="runs delayed", status="identified", impact="major", components=["api", "workflows"],
                        message="Runs start up to 10 minutes late.", started_at=now - timedelta(minutes=20))
    incident.updates = [
        IncidentUpdate(status="investigating", message="Looking into delayed runs.",
                       created_at=now - timedelta(minutes=20)),
        IncidentUpdate(status="identified", message="Runs start up to 10 minutes late.",
                       created_at=now - timedelta(minutes=5), components={"api": "partial_outage",
                                                                          "workflows": "degraded_performance"}),
    ]
    db.session.add(incident)
    db.session.commit()
    return incident


@pytest.mark.browser
def test_status_page_reads_like_a_statuspage(live_server, page, runs_delayed):
    page.goto(f"{live_server}/status")
    assert page.locator("#overall-status").inner_text() == "Partial System Outage"
    assert page.locator(".banners .banner").count() == 1  # the news once, at the top
    assert "runs delayed" in page.locator(".banners").inner_text()
    assert page.locator("text=Ongoing incidents").count() == 0
    # One state per component, saying where it comes from.
    api = page.locator("#component-api")
    assert api.locator(".component-state").inner_text() == "Partial outage"
    assert api.locator(".status-source").inner_text() == "Reported by our team"
    assert page.locator("#component-workflows .component-state").inner_text() == "Degraded performance"
    database = page.locator("#component-database")
    assert database.locator(".component-state").inner_text() == "Major outage"
    assert database.locator(".status-source").inner_text().startswith("Measured less than a minute ago")
    assert page.locator("#component-frontend .component-state").inner_text() == "Operational"
    assert page.locator(".component-state").count() == 4  # one each, no second chip
    # Stripe without a key: one quiet line.
    stripe = page.locator("#component-stripe")
    assert stripe.inner_text().split() == ["Stripe", "(payments)", "Not", "monitored"]
    assert stripe.bounding_box()["height"] < 50
    # One 90-day bar per monitored component; the 24 h and 7 d views are on /status/history.
    assert page.locator(".day-bar").count() == 4 and page.locator("svg.status-strip").count() == 0
    assert page.locator("#component-api .day-cell").count() == 90
    # Past incidents by day, 15 days, each linking to its incident page.
    days = page.locator(".past-day")
    assert days.count() == 15
    assert days.first.locator("a").inner_text() == "runs delayed"
    assert days.nth(1).inner_text().endswith("No incidents reported.")
    days.first.locator("a").click()
    page.wait_for_url(f"**/status/history?page=1#incident-{runs_delayed.id}")
    assert "Runs start up to 10 minutes late." in page.locator(f"#incident-{runs_delayed.id}").inner_text()


@pytest.mark.browser
def test_a_day_opens_by_keyboard(live_server, page, runs_delayed):
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server}/status")
    today = page.locator("#component-api .day-cell").last
    today.focus()
    page.keyboard.press("ArrowLeft")  # yesterday: one tab stop per bar, arrows move between days
    yesterday = page.locator("#component-api .day-cell").nth(88)
    assert page.evaluate("document.activeElement.dataset.day") == yesterday.get_attribute("data-day")
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    detail = page.locator("#day-detail-api")
    assert detail.is_visible()
    text = detail.inner_text()
    assert _shown_date(today) in text and "uptime" in text
    assert "runs delayed" in text  # today's incident, with its link
    assert detail.locator("a").get_attribute("href") == f"/status/incidents/{runs_delayed.id}"
    assert today.get_attribute("aria-expanded") == "true"
    assert today.get_attribute("aria-controls") == "day-detail-api"
    page.keyboard.press("Enter")  # the same day again closes it
    assert detail.is_hidden()


@pytest.mark.browser
def test_a_day_opens_by_tap_on_a_phone(live_server, browser, runs_delayed):
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    page = context.new_page()
    try:
        page.goto(f"{live_server}/status")
        cells = page.locator("#component-database .day-cell:visible")
        assert cells.count() == 30  # a phone shows the last 30 days, wide enough to tap
        assert cells.first.bounding_box()["width"] >= 8
        yesterday = cells.nth(28)
        yesterday.tap()
        detail = page.locator("#day-detail-database")
        assert detail.is_visible()
        assert _shown_date(yesterday) in detail.inner_text()
        assert "No incidents or maintenance." in detail.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    finally:
        context.close()


@pytest.mark.browser
def test_subscribe_is_one_button_at_the_top(live_server, page, runs_delayed):
    page.goto(f"{live_server}/status")
    button = page.locator("#subscribe > summary")
    assert button.inner_text() == "Subscribe to updates"
    assert button.bounding_box()["y"] < page.locator("#overall-status").bounding_box()["y"]
    assert not page.locator("#subscribe-email").is_visible()
    button.click()
    panel = page.locator(".subscribe-panel")
    assert page.locator("#subscribe-email").is_visible()
    links = {a.inner_text(): a.get_attribute("href") for a in panel.locator("a").all()}
    assert links["RSS"] == "/status/feed.rss" and links["Atom"] == "/status/feed.atom"
    assert links["Planned maintenance in your calendar"] == "/status/maintenance.ics"
    assert links["Webhook, Slack or Microsoft Teams"] == "/status/subscribe#webhook"
    assert "signature" not in panel.inner_text().lower() and "hmac" not in panel.inner_text().lower()
    field = page.locator("#subscribe-email").bounding_box()
    submit = panel.locator("button[type=submit]").bounding_box()
    assert abs(field["height"] - submit["height"]) <= 4  # sized like the button next to it


@pytest.mark.browser
def test_changed_status_pages_pass_axe_and_fit(live_server, audit_page, runs_delayed):
    page = audit_page
    problems = []
    for path in ("/status", "/status/history", "/status/how-we-measure", "/status/subscribe", "/signin",
                 "/pricing"):
        problems += check_page(page, live_server + path)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/status")
    page.click("#subscribe > summary")
    page.locator("#component-api .day-cell").last.click()  # the open panel and day, too
    problems += [f"/status opened @390px: {v}" for v in axe_violations(page)]
    if horizontal_overflow(page) > 0:
        problems.append("/status opened @390px scrolls sideways")
    assert not problems, "\n".join(problems)
