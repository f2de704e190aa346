"""Planned work is not downtime: time inside a completed or in-progress maintenance window is left out
of the public uptime figures (/api/status, /status, the badge) and drawn as maintenance on the bars,
while the same downtime outside a window, or inside a canceled or not yet started one, still counts."""
import re
from datetime import timedelta

import pytest

from app.extensions import db
from app.models import ScheduledMaintenance, StatusRollup
from app.models.types import utcnow
from app.status.history import floor_to, rollup


def _maintenance(components, starts_at, ends_at, status="completed", title="Planned work"):
    item = ScheduledMaintenance(title=title, components=components, starts_at=starts_at, ends_at=ends_at,
                                status=status)
    db.session.add(item)
    db.session.commit()
    return item


@pytest.fixture
def planned_day(add_snapshot):
    """24 hours of checks, all up except: the database down for the hour of a completed maintenance on
    it (6 h ago), the API down for an hour 3 h ago (a canceled maintenance covered that hour), the
    frontend down for the last 30 minutes inside maintenance in progress, and the workflows down for
    the last 30 minutes with maintenance only announced for later."""
    now = utcnow()
    hour = floor_to(now, "hour")
    db_work = (hour - timedelta(hours=6), hour - timedelta(hours=5))
    api_outage = (hour - timedelta(hours=3), hour - timedelta(hours=2))
    recent = now - timedelta(minutes=30)
    for i in range(288):
        ts = floor_to(now, "slot") - timedelta(minutes=5 * i)
        add_snapshot(ts, database="down" if db_work[0] <= ts < db_work[1] else "up",
                     api="down" if api_outage[0] <= ts < api_outage[1] else "up",
                     frontend="down" if ts >= recent else "up", workflows="down" if ts >= recent else "up",
                     commit=False)
    db.session.commit()
    rollup(now - timedelta(hours=25), now)
    db.session.commit()
    _maintenance(["database"], *db_work, title="Database upgrade")
    _maintenance(["api"], *api_outage, status="canceled", title="Called off")
    _maintenance(["frontend"], recent - timedelta(minutes=1), now + timedelta(minutes=30), status="in_progress")
    _maintenance(["workflows"], now + timedelta(hours=1), now + timedelta(hours=2), status="scheduled")
    return {"now": now, "db_work": db_work, "recent": recent}


def _statuses(component: dict) -> set[str]:
    return {s["status"] for s in component["segments"]}


def test_api_status_leaves_maintenance_out_of_uptime_and_draws_it(client, planned_day):
    body = client.get("/api/status").get_json()
    uptime, day = body["uptime"], body["history"]["components"]
    assert uptime["database"] == {"24h": 100.0, "7d": 100.0, "30d": 100.0, "90d": 100.0}
    assert day["database"]["uptime_pct"] == 100.0 and day["database"]["counts"]["maintenance"] == 12
    assert "down" not in _statuses(day["database"]) and "maintenance" in _statuses(day["database"])
    work = [s for s in day["database"]["segments"] if s["status"] == "maintenance"]
    assert work[0]["slots"] == 12 and work[0]["start"].startswith(planned_day["db_work"][0].strftime("%Y-%m-%dT%H:%M"))
    # The same hour of downtime outside any window (a canceled one excludes nothing) still counts.
    assert uptime["api"]["24h"] == pytest.approx(100 * (288 - 12) / 288, abs=0.01)
    assert uptime["api"]["7d"] < 100 and uptime["api"]["90d"] < 100
    assert "down" in _statuses(day["api"]) and "maintenance" not in _statuses(day["api"])
    # In progress: the half hour so far is left out; announced for later: nothing is.
    assert uptime["frontend"]["24h"] == 100.0 and "maintenance" in _statuses(day["frontend"])
    assert uptime["workflows"]["24h"] < 100 and "maintenance" not in _statuses(day["workflows"])

    week = client.get("/api/status?window=7d").get_json()["history"]["components"]
    assert "maintenance" in _statuses(week["database"]) and "down" not in _statuses(week["database"])
    assert week["database"]["uptime_pct"] == 100.0 and "down" in _statuses(week["api"])


def test_history_strips_say_maintenance(client, planned_day):
    html = client.get("/status/history").get_data(as_text=True)
    database = html.split('id="component-database"', 1)[1].split('id="component-workflows"', 1)[0]
    api = html.split('id="component-api"', 1)[1].split('id="component-frontend"', 1)[0]
    assert 'data-window="24h">100 % uptime<' in database
    assert 'data-window="24h">100 % uptime<' not in api
    start = planned_day["db_work"][0].strftime("%H:%M")
    assert re.search(rf'class="lv-maintenance"><title>Under maintenance, 1 h \({start} – ', database)
    assert "lv-down" not in database and "lv-down" in api and "lv-maintenance" not in api
    assert re.search(rf'<li class="run-maintenance">Under maintenance, 1 h \({start} – ', database)  # in words too


def test_badge_uptime_leaves_maintenance_out(client, planned_day):
    def value(query):
        svg = client.get(f"/status/badge.svg?{query}").get_data(as_text=True)
        return re.findall(r"<text[^>]*>([^<]*)</text>", svg)[-1]

    assert value("component=database&uptime=24h") == "100%"
    assert value("component=database&uptime=30d") == "100%"
    api = value("component=api&uptime=24h")
    assert api != "100%"
    # The whole service: the database's planned hour is not an outage; the API's hour is, and so are the
    # workflows' last half hour (their maintenance has not started), the frontend's is not.
    first = floor_to(planned_day["now"], "hour") - timedelta(hours=23)
    slots = [floor_to(planned_day["now"], "slot") - timedelta(minutes=5 * i) for i in range(288)]
    measured = [ts for ts in slots if ts >= first]
    down = 12 + sum(ts >= planned_day["recent"] for ts in measured)
    assert value("uptime=24h") == f"{100 * (len(measured) - down) / len(measured):.2f}%"


def test_maintenance_older_than_raw_checks_is_left_out_of_90_days(client, add_snapshot):
    """Past raw retention only rollups are left: the hourly rollups inside the window come off the day."""
    now = utcnow()
    day = floor_to(now, "day") - timedelta(days=60)
    for days_ago in range(90):
        bucket = floor_to(now, "day") - timedelta(days=days_ago)
        down = 144 if bucket == day else 0
        db.session.add(StatusRollup(period="day", bucket_start=bucket, component="database",
                                    up=288 - down, degraded=0, down=down, no_data=0))
    for h in range(24):
        down = 12 if 2 <= h < 14 else 0
        db.session.add(StatusRollup(period="hour", bucket_start=day + timedelta(hours=h), component="database",
                                    up=12 - down, degraded=0, down=down, no_data=0))
    db.session.commit()
    add_snapshot(now)
    _maintenance([], day + timedelta(hours=2), day + timedelta(hours=14), title="Data centre move")
    assert client.get("/api/status").get_json()["uptime"]["database"]["90d"] == 100.0
    html = client.get("/status").get_data(as_text=True)
    database = html.split('id="component-database"', 1)[1].split('id="component-stripe"', 1)[0]
    cell = re.search(rf'<button[^>]*data-day="{day.strftime("%Y-%m-%d")}"[^>]*>', database).group(0)
    assert ': 100 % uptime"' in cell
    info = re.search(r'data-info="([^"]+)"', cell).group(1)
    assert "Scheduled maintenance, 12 h (not counted in uptime)" in database.split(f'id="{info}"', 1)[1]
    assert 'data-uptime="90d">100 % uptime over 90 days<' in database


@pytest.mark.browser
def test_maintenance_bar_is_drawn_in_a_browser(live_server, page, planned_day):
    page.goto(f"{live_server}/status/history")
    bar = page.locator("#component-database svg.status-strip").first.locator("rect.lv-maintenance")
    assert bar.count() == 1
    box = bar.bounding_box()
    assert box["width"] > 5 and box["height"] > 5  # an hour of 24: a visible block, not a hairline
    assert bar.evaluate("r => getComputedStyle(r).fill") == "rgb(31, 95, 168)"
    assert bar.locator("title").text_content().startswith("Under maintenance, 1 h (")
    assert page.locator("#component-database svg.status-strip rect.lv-down").count() == 0
    assert page.locator("#component-api svg.status-strip rect.lv-down").count() == 2  # 24 h and 7 d
    assert "Under maintenance, 1 h (" in page.locator("#component-database").inner_text()
    assert "Under maintenance" in page.locator(".status-legend").inner_text()
