"""The measurement mechanics over any range: gaps are no data (excluded), rollups for old time, SLA components only."""
from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.models import SlaCreditRequest, StatusRollup
from app.models.types import utcnow
from app.sla import measure
from tests.test_sla.conftest import five_minute_floor, payload, seed_snapshots


def _outage(start):
    """Two hours: 35 minutes without any snapshot, 20 minutes down, 10 degraded, the rest up."""
    levels = {m: "up" for m in range(5, 121, 5) if not 30 <= m <= 60}
    levels.update({65: "down", 70: "down", 75: "down", 80: "down", 85: "degraded", 90: "degraded"})
    # Snapshots just outside the period must not count.
    levels.update({0: "down", 125: "down", 130: "down"})
    seed_snapshots(start, levels)


def test_gaps_are_no_data_not_downtime(window):
    start, end = window
    _outage(start)
    m = measure.measure_period(start, end)
    assert m["period_minutes"] == 120
    assert m["no_data_minutes"] == 35
    assert m["available_minutes"] == 85
    assert m["down_minutes"] == 20 and m["degraded_minutes"] == 10
    assert m["uptime_pct"] == round(65 / 85 * 100, 4)
    assert m["sources"] == [{"from": start.isoformat(), "to": end.isoformat(), "source": "snapshots"}]


def test_no_snapshots_at_all_gives_no_uptime_and_no_credit(window):
    start, end = window
    m = measure.measure_period(start, end)
    assert m["no_data_minutes"] == 120 and m["uptime_pct"] is None and m["trusted"] is False
    assert measure.credit_pct_for(None) == (0, None)


def test_tiers_pick_the_strictest_threshold_crossed():
    tiers = [(99.9, 10), (99.0, 25), (95.0, 100)]
    assert measure.credit_pct_for(100.0, tiers) == (0, None)
    assert measure.credit_pct_for(99.9, tiers) == (0, None)
    assert measure.credit_pct_for(99.5, tiers) == (10, [99.9, 10])
    assert measure.credit_pct_for(98.0, tiers) == (25, [99.0, 25])
    assert measure.credit_pct_for(50.0, tiers) == (100, [95.0, 100])


def test_filed_claim_stores_measured_figures_and_suggestion(client, login, user, sub, window):
    start, end = window
    _outage(start)
    token = login(user)
    res = client.post("/api/support/sla-credit", json=payload(sub, start, end, minutes=60),
                      headers={"X-CSRFToken": token})
    assert res.status_code == 201, res.get_json()
    claim = db.session.get(SlaCreditRequest, res.get_json()["request"]["id"])
    # Measured over the billing period holding the window: the subscription's current period, not invoiced yet.
    assert (claim.billing_period_start, claim.billing_period_end) == (sub.current_period_start, sub.current_period_end)
    assert claim.period_charge == sub.price_amount
    # The window only says where to look: the down snapshots just outside it are in the period too.
    assert (claim.measured_downtime_minutes, claim.measured_degraded_minutes) == (35, 10)
    comp = claim.computation
    assert comp["provisional"] is True and comp["trusted"] is False  # ten days, two hours of them monitored
    assert comp["available_minutes"] == comp["period_minutes"] - comp["no_data_minutes"]
    assert claim.monthly_uptime_percent == round(
        (comp["available_minutes"] - 35) / comp["available_minutes"] * 100, 4)
    # 35 of ~28,900 available minutes: below 99.9 % → 10 % of the period's 7,200.00 — flagged as untrusted.
    assert comp["tier_applied"] == [99.9, 10] and claim.suggested_credit_amount == 72_000
    assert comp["claimed_window"]["claimed_downtime_minutes"] == 60


def test_old_part_of_a_period_is_read_from_rollups():
    now = utcnow()
    start = (now - timedelta(days=32)).replace(minute=0, second=0, microsecond=0)
    end = start + timedelta(days=1)
    for hour in range(24):
        bucket = start + timedelta(hours=hour)
        counts = {"up": 12}
        if hour == 3:
            counts = {"down": 12}
        elif hour == 4:
            counts = {"no_data": 12}
        elif hour == 5:
            counts = {"up": 6, "degraded": 6}
        db.session.add(StatusRollup(period="hour", bucket_start=bucket, component="api", **counts))
        db.session.add(StatusRollup(period="hour", bucket_start=bucket, component="database",
                                    **({"no_data": 12} if hour == 4 else {"up": 12})))
        # Stripe is not an SLA component: its downtime never counts.
        db.session.add(StatusRollup(period="hour", bucket_start=bucket, component="stripe", down=12))
    db.session.commit()
    m = measure.measure_period(start, end, now=now)
    assert m["sources"][0]["source"] == "rollups"
    assert m["available_minutes"] == 23 * 60 and m["no_data_minutes"] == 60
    assert m["down_minutes"] == 60 and m["degraded_minutes"] == 30
    assert m["uptime_pct"] == round(22 / 23 * 100, 4)


def test_period_straddling_the_retention_cutoff_combines_rollups_and_snapshots():
    now = five_minute_floor(utcnow())
    cutoff = now - timedelta(days=30)
    start, end = cutoff - timedelta(hours=1), cutoff + timedelta(hours=1)
    hour = start.replace(minute=0)
    for h in range(3):
        db.session.add(StatusRollup(period="hour", bucket_start=hour + timedelta(hours=h), component="api", down=12))
    seed_snapshots(cutoff, {m: "up" for m in range(5, 61, 5)})
    m = measure.measure_period(start, end, now=now)
    assert [p["source"] for p in m["sources"]] == ["rollups", "snapshots"]
    assert m["down_minutes"] == 60 and m["available_minutes"] == 120


def test_snapshots_closer_than_five_minutes_are_not_double_counted(window):
    start, end = window
    # A manual `flask status snapshot` one minute after a scheduled one: 5 + 1 minutes, not 10.
    seed_snapshots(start, {5: "down", 6: "down", 10: "up"})
    m = measure.measure_period(start, end)
    assert m["down_minutes"] == 6 and m["available_minutes"] == 10 and m["no_data_minutes"] == 110


def test_daily_rollups_fill_days_without_hourly_ones():
    now = utcnow()
    day = (now - timedelta(days=60)).replace(hour=0, minute=0, second=0, microsecond=0)
    db.session.add(StatusRollup(period="day", bucket_start=day, component="api", up=276, down=12))
    db.session.commit()
    m = measure.measure_period(day + timedelta(hours=6), day + timedelta(hours=18), now=now)
    # Half the day: half of each count, prorated.
    assert m["sources"][0]["source"] == "rollups"
    assert m["down_minutes"] == 30 and m["available_minutes"] == 720
