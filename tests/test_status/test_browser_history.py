"""In Chromium: the incident history (reached from /status, paged back a year and more, times in the
visitor's zone with UTC on hover), the badge embedded in another page, and /status refreshing itself."""
import time
from datetime import timedelta

import pytest

from app.extensions import db
from app.models import Incident, IncidentUpdate
from app.models.types import utcnow
from app.status.archive import add_months, month_start


def _incident(months_ago: int, title: str, message: str) -> Incident:
    started = add_months(month_start(utcnow()), -months_ago) + timedelta(days=1, hours=3)
    item = Incident(title=title, status="resolved", impact="major", components=["api"], message=message,
                    started_at=started, resolved_at=started + timedelta(hours=1))
    item.updates = [IncidentUpdate(status="investigating", message="Looking into it.", created_at=started),
                    IncidentUpdate(status="resolved", message=message, created_at=started + timedelta(hours=1))]
    db.session.add(item)
    db.session.commit()
    return item


@pytest.mark.browser
def test_history_from_status_back_over_a_year_in_local_time(live_server, browser, add_snapshot):
    add_snapshot(utcnow())
    recent = _incident(0, "Login errors", "Sessions restored.")
    _incident(14, "Old outage", "Replaced the load balancer.")
    context = browser.new_context(timezone_id="Asia/Tokyo", locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        page.goto(f"{live_server}/status")
        page.click("#history-link")
        page.wait_for_url(f"{live_server}/status/history")
        assert page.locator(".history-month").count() == 3
        article = page.locator(f"#incident-{recent.id}")
        assert "Sessions restored." in article.inner_text() and "Looking into it." in article.inner_text()
        started = article.locator("time").first
        # Shown in the visitor's zone (Tokyo is UTC+9), UTC on hover.
        assert started.get_attribute("data-localized") == "1"
        assert "GMT+9" in started.inner_text() and "UTC" not in started.inner_text()
        assert started.get_attribute("title").endswith(" UTC")
        assert "12:00 PM" in started.inner_text()  # started 03:00 UTC
        assert started.get_attribute("title").endswith("03:00 UTC")
        for _ in range(4):  # pages 2..5: fourteen months back
            page.click("a[rel=next]")
            page.wait_for_load_state()
        assert "page=5" in page.url
        assert "Old outage" in page.inner_text("main") and "Replaced the load balancer." in page.inner_text("main")
        assert page.locator("a[rel=next]").count() == 0  # nothing older
    finally:
        context.close()


@pytest.mark.browser
def test_badge_renders_as_an_image_in_another_page(live_server, page, add_snapshot, httpserver):
    add_snapshot(utcnow(), api="down")
    page.goto(f"{live_server}/status/badge.svg?component=api")
    assert "outage" in page.content()
    # Another site (its own server and origin, without our CSP) embeds the badges in its page.
    httpserver.expect_request("/embed").respond_with_data(
        f'<!doctype html><img src="{live_server}/status/badge.svg" alt="status">'
        f'<img src="{live_server}/status/badge.svg?component=api&amp;uptime=30d" alt="uptime">',
        content_type="text/html")
    page.goto(httpserver.url_for("/embed"))
    deadline = time.monotonic() + 15
    while not page.evaluate("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)"):
        assert time.monotonic() < deadline, "the badges never loaded"
        time.sleep(0.1)
    sizes = page.evaluate("() => [...document.images].map(i => [i.naturalWidth, i.naturalHeight])")
    assert all(w > 60 and h == 20 for w, h in sizes)


@pytest.mark.browser
def test_status_refreshes_itself_without_a_reload(live_server, page, add_snapshot, configure):
    from app.status import incidents

    configure(STATUS_REFRESH_SECONDS=1)
    add_snapshot(utcnow())
    page.goto(f"{live_server}/status")
    assert page.locator("#overall-status").inner_text() == "All Systems Operational"
    page.evaluate("() => { window.__sameDocument = true; }")
    db.session.add(Incident(title="Queue stuck", status="investigating", impact="major", components=["workflows"],
                            message="Jobs wait.", started_at=utcnow()))
    db.session.commit()
    incidents.after_change()
    page.wait_for_selector(".past-day >> text=Queue stuck", timeout=15000)  # the refreshed body lists it
    assert page.locator("#overall-status").inner_text() == "Partial System Outage"
    assert page.evaluate("() => window.__sameDocument") is True  # the same document: no full reload
    assert page.locator("#status-live time[data-local]").count() >= 1
    assert page.locator("#status-live time[data-localized='1']").count() == page.locator(
        "#status-live time[data-local]").count()
