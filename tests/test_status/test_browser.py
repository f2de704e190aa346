"""/status in headless Chromium, at desktop and phone widths."""
from datetime import timedelta

import pytest

from app.extensions import db
from app.models import Incident
from app.models.types import utcnow


@pytest.mark.browser
def test_status_page_in_a_browser(live_server, page, healthy_day, add_snapshot):
    add_snapshot(utcnow(), api="down")
    db.session.add(Incident(title="API errors", status="investigating", impact="major", components=["api"],
                            message="We see errors on the API.", started_at=utcnow() - timedelta(minutes=10)))
    db.session.commit()

    page.goto(f"{live_server}/status")
    assert page.locator("#overall-status").inner_text() == "Outage"
    assert page.locator(".status-component").count() == 5
    assert page.locator("#component-api").get_attribute("data-level") == "down"
    assert page.locator("#component-database .pill").inner_text() == "Up"
    assert page.locator("#component-stripe .pill").inner_text() == "Not monitored"
    # Charts: server-side SVG with visible rects, one 24 h strip, one 7 d strip, 90 day bars each.
    assert page.locator("svg.status-strip").count() == 10
    assert page.locator("#component-database svg.status-bars rect").count() == 90
    box = page.locator("#component-database svg.status-strip").first.bounding_box()
    assert box["width"] > 100 and box["height"] > 5
    assert page.locator(".banners").inner_text().count("API errors") == 1
    assert "We see errors on the API." in page.locator(".incident").first.inner_text()

    page.set_viewport_size({"width": 375, "height": 800})  # a phone
    page.reload()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    assert page.locator("#component-api svg.status-strip").first.bounding_box()["width"] > 250


@pytest.mark.browser
def test_partial_data_day_is_drawn_hatched_in_a_browser(live_server, page, add_snapshot):
    from app.status.history import floor_to, rollup

    now = utcnow()
    day = floor_to(now - timedelta(days=3), "day")
    add_snapshot(day + timedelta(hours=12))  # one check that day, 287 missing
    add_snapshot(now)
    rollup(day, now)
    db.session.commit()

    page.goto(f"{live_server}/status")
    bar = page.locator("#component-api svg.status-bars rect.partial").filter(
        has=page.locator("title", has_text=day.strftime("%Y-%m-%d")))
    assert bar.count() == 1  # (today, with one check so far, may be partial too: that is honest)
    assert "1 of 288 checks ran" in bar.locator("title").text_content()
    fill = bar.evaluate("el => getComputedStyle(el).fill")
    assert "hatch-up" in fill  # a hatched pattern, not the solid green of a measured day
    plain = page.locator(".status-legend rect.lv-up:not(.partial)")  # a fully measured "up" sample
    assert plain.evaluate("el => getComputedStyle(el).fill") == "rgb(26, 127, 55)"
