"""Partial data is visible: a bucket whose checks are mostly missing is hatched and says how many ran, and
uptime figures carry the share of the window they were measured over (page HTML and /api/status)."""
import re
from datetime import timedelta

from app.extensions import db
from app.models.types import utcnow
from app.status.history import coverage_pct, floor_to, is_partial, rollup


def _lonely_check(add_snapshot, days_ago: int = 3):
    """One "up" check on a day that otherwise has none: 1 of 288 (plus a healthy check now, so the page
    is current)."""
    now = utcnow()
    day = floor_to(now - timedelta(days=days_ago), "day")
    add_snapshot(day + timedelta(hours=12, minutes=1))
    add_snapshot(now)
    rollup(day, now)
    db.session.commit()
    return day


def test_coverage_and_partial_rule():
    assert coverage_pct({"up": 1, "no_data": 287}) == round(100 / 288, 3)
    assert is_partial({"up": 1, "no_data": 287})
    assert not is_partial({"up": 200, "no_data": 88})  # most checks ran
    assert not is_partial({"no_data": 288})  # nothing ran: plain "no data", not partial
    assert coverage_pct({}) is None


def test_a_day_with_one_check_is_hatched_partial_not_a_green_100_percent_day(client, add_snapshot):
    day = _lonely_check(add_snapshot)
    html = client.get("/status").get_data(as_text=True)
    api_row = html[html.index('id="component-api"'):html.index('id="component-frontend"')]
    cell = re.search(r'<button type="button" class="([^"]+)"[^>]*data-day="' + day.strftime("%Y-%m-%d")
                     + r'"[^>]*aria-label="[^":]+: ([^"]+)"', api_row)
    assert cell is not None
    assert cell.group(1) == "day-cell lv-up partial"
    assert cell.group(2) == "Partial data (1 of 288 checks ran), 100 % uptime"
    # Days before monitoring began are "no data", and the figure says over how many days it was measured.
    assert 'class="day-cell lv-no_data"' in api_row
    assert re.search(r'data-uptime="90d">100 % uptime over 2 days<', api_row)
    assert "measured</span>" not in api_row  # no amber coverage note


def test_a_fully_measured_day_is_a_plain_bar_without_a_coverage_note(client, healthy_day):
    html = client.get("/status/history").get_data(as_text=True)
    api_row = html[html.index('id="component-api"'):html.index('id="component-frontend"')]
    assert "partial" not in api_row.split('data-window="7d"')[0]  # the 24 h strip: all measured, plain
    assert re.search(r'data-window="24h">100 % uptime</span>', api_row)  # no "measured" note on a complete day


def test_api_history_segments_carry_partial_and_coverage(client, add_snapshot):
    _lonely_check(add_snapshot, days_ago=2)
    week = client.get("/api/status?window=7d").get_json()["history"]
    api = week["components"]["api"]
    partial = [s for s in api["segments"] if s["partial"]]
    assert partial and all(s["status"] == "up" and s["coverage_pct"] < 50 for s in partial)
    # the lonely check's hour: 1 of 12 checks ran
    assert any(s["slots"] == 1 and s["coverage_pct"] == round(100 / 12, 3) for s in partial)
    assert api["uptime_pct"] == 100.0 and 0 < api["coverage_pct"] < 5
    assert "coverage_pct" in week["coverage_formula"]
    empty = [s for s in api["segments"] if s["status"] == "no_data"]
    assert empty and all(s["coverage_pct"] == 0 and not s["partial"] for s in empty)
    day = client.get("/api/status").get_json()["history"]["components"]["api"]
    assert day["coverage_pct"] == round(100 / 288, 3) or day["coverage_pct"] == round(100 / 287, 3)
