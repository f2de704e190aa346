"""Rollups, retention and the uptime math, including gaps with no data."""
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import StatusRollup, StatusSnapshot
from app.models.types import utcnow
from app.status.history import floor_to, prune, rollup, rollup_and_prune, series_24h, series_rollup, uptime


def _rows(period, component):
    return {r.bucket_start: r for r in db.session.scalars(
        select(StatusRollup).where(StatusRollup.period == period, StatusRollup.component == component))}


def test_hourly_and_daily_rollups_count_levels_and_gaps(add_snapshot):
    hour = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    levels = ["up"] * 8 + ["degraded", "down"]  # 10 checks; slots 11 and 12 have no snapshot at all
    for i, level in enumerate(levels):
        add_snapshot(hour + timedelta(minutes=5 * i), api=level)
    now = hour + timedelta(hours=2)
    rollup(hour, hour + timedelta(minutes=59), now=now)
    db.session.commit()

    api = _rows("hour", "api")[hour]
    assert (api.up, api.degraded, api.down, api.no_data) == (8, 1, 1, 2)
    stripe = _rows("hour", "stripe")[hour]  # not configured: every slot is "no data"
    assert (stripe.up, stripe.degraded, stripe.down, stripe.no_data) == (0, 0, 0, 12)

    overall = _rows("hour", "overall")[hour]  # the service as a whole (what SLA measurement reads later)
    assert (overall.up, overall.degraded, overall.down, overall.no_data) == (8, 1, 1, 2)

    day = _rows("day", "api")[hour.replace(hour=0)]
    assert (day.up, day.degraded, day.down) == (8, 1, 1)
    # The day so far (until `now`, 12:00) had 144 five-minute slots; 10 were measured.
    assert day.no_data == 144 - 10

    math = uptime({"up": api.up, "degraded": api.degraded, "down": api.down, "no_data": api.no_data})
    assert math["uptime_pct"] == 90.0       # (8 + 1) / (8 + 1 + 1): the 2 empty slots are not downtime
    assert math["degraded_pct"] == 10.0     # shown separately
    assert math["down_pct"] == 10.0


def test_rollup_is_idempotent_and_picks_up_late_snapshots(add_snapshot):
    hour = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)
    add_snapshot(hour, api="down")
    now = hour + timedelta(hours=1)
    rollup(hour, hour, now=now)
    rollup(hour, hour, now=now)
    db.session.commit()
    assert len([r for r in _rows("hour", "api").values()]) == 1
    add_snapshot(hour + timedelta(minutes=5), api="up")  # arrives late
    rollup(hour, hour, now=now)
    db.session.commit()
    row = _rows("hour", "api")[hour]
    assert (row.up, row.down, row.no_data) == (1, 1, 10)


def test_no_data_is_neither_up_nor_down():
    assert uptime({"no_data": 288})["uptime_pct"] is None
    assert uptime({"up": 1, "no_data": 287})["uptime_pct"] == 100.0
    assert uptime({"down": 1, "up": 3, "no_data": 1000})["uptime_pct"] == 75.0


def test_24h_series_has_288_slots_with_gaps_as_no_data(add_snapshot):
    now = utcnow()
    add_snapshot(now - timedelta(minutes=1), api="down")
    # A minute into a slot, so the second snapshot 30 s later is in the same slot whatever the clock says.
    two_hours_ago = floor_to(now - timedelta(hours=2), "slot") + timedelta(minutes=1)
    add_snapshot(two_hours_ago, api="up")
    add_snapshot(two_hours_ago + timedelta(seconds=30), api="degraded")  # same slot: worst wins
    add_snapshot(now - timedelta(hours=30), api="down")  # outside the window
    series = series_24h(now)["api"]
    assert 287 <= len(series["points"]) <= 288
    levels = [level for _, level in series["points"]]
    assert levels.count("down") == 1 and levels.count("degraded") == 1 and levels.count("up") == 0
    assert series["counts"]["no_data"] == len(levels) - 2
    assert series["uptime_pct"] == 50.0  # one degraded (available) + one down; gaps excluded


def test_7_day_series_reads_rollups_and_missing_hours_are_no_data(add_snapshot):
    now = utcnow()
    three_hours_ago = now - timedelta(hours=3)
    for i in range(12):
        add_snapshot(three_hours_ago.replace(minute=0, second=0, microsecond=0) + timedelta(minutes=5 * i),
                     api="down" if i == 0 else "up")
    rollup(three_hours_ago, three_hours_ago, now=now)
    db.session.commit()
    series = series_rollup("hour", 168, now)["api"]
    assert len(series["points"]) == 168
    marked = [p for p in series["points"] if p[1] != "no_data"]
    assert len(marked) == 1 and marked[0][1] == "down"  # an hour with any down check shows as down
    assert series["counts"]["up"] == 11 and series["counts"]["down"] == 1
    assert round(series["uptime_pct"], 2) == round(100 * 11 / 12, 2)


def test_retention_prunes_raw_after_30_days_and_rollups_after_400(add_snapshot):
    now = utcnow()
    old = add_snapshot(now - timedelta(days=31))
    kept = add_snapshot(now - timedelta(days=29))
    db.session.add(StatusRollup(period="day", bucket_start=now - timedelta(days=401), component="api", up=288))
    db.session.add(StatusRollup(period="day", bucket_start=now - timedelta(days=399), component="api", up=288))
    db.session.commit()
    old_id, kept_id = old.id, kept.id
    result = prune(now)
    db.session.commit()
    assert result == {"snapshots_deleted": 1, "rollups_deleted": 1}
    assert db.session.get(StatusSnapshot, old_id) is None and db.session.get(StatusSnapshot, kept_id) is not None
    assert db.session.query(StatusRollup).count() == 1


def test_rollup_job_recomputes_recent_hours_and_prunes(add_snapshot):
    now = utcnow()
    add_snapshot(now - timedelta(hours=5), api="down")
    add_snapshot(now - timedelta(days=40))
    result = rollup_and_prune(hours=48, now=now)
    assert result["snapshots_deleted"] == 1 and result["rollups_written"] > 0
    hour = (now - timedelta(hours=5)).replace(minute=0, second=0, microsecond=0)
    assert _rows("hour", "api")[hour].down == 1


def test_first_snapshot_catches_up_on_history_seeded_before_it(app, fast_checks, add_snapshot, worker_alive):
    from app.status.snapshots import record_snapshot

    now = utcnow()
    for i in range(1, 24 * 12):  # a day of history, e.g. demo data, and no rollup job has run yet
        add_snapshot(now - timedelta(minutes=5 * i), api="down" if i == 100 else "up", commit=False)
    db.session.commit()
    record_snapshot(app)
    week = series_rollup("hour", 168, utcnow())["api"]
    assert week["counts"]["down"] == 1 and week["counts"]["up"] >= 24 * 12 - 2


def test_24h_series_tells_a_slot_nobody_checked_from_a_check_not_configured(add_snapshot):
    now = utcnow()
    add_snapshot(floor_to(now, "slot") + timedelta(seconds=1), stripe="unknown")
    stripe = series_24h(now)["stripe"]
    levels = [level for _, level in stripe["points"]]
    assert levels[-1] == "unknown"  # checked, but Stripe is not configured: not monitored
    assert set(levels[:-1]) == {"no_data"}  # no snapshot at all: the monitor did not run
    assert stripe["uptime_pct"] is None and stripe["counts"]["unknown"] == 1
