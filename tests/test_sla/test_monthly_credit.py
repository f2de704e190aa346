"""Issue 11's worked examples, end to end through the API with snapshots in PostgreSQL: the credit is a tier
of the billing period's Monthly Uptime Percentage applied to what that period cost, however the window is drawn."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.models.types import utcnow
from app.sla import measure
from tests.test_sla.conftest import Signed, payload
from tests.test_sla.monthly import MONTHLY, api_down, monitor, past_period, subscription_with_period


@pytest.fixture
def owner(app, login, user):
    return Signed(app, login, user)


@pytest.fixture
def staff(app, login, admin):
    return Signed(app, login, admin)


def _file(owner, sub, start, end, minutes=60):
    res = owner.post("/api/support/sla-credit", json=payload(sub, start, end, minutes=minutes))
    assert res.status_code == 201, res.get_json()
    return res.get_json()["request"]["id"]


def _row(staff, claim_id):
    return staff.get(f"/api/admin/sla-credit/{claim_id}").get_json()["request"]


@pytest.mark.parametrize("shape", ["exact outage", "3.5 days around it", "the whole billing period"])
def test_an_hour_down_in_a_49_dollar_month_is_490_cents_however_the_window_is_drawn(owner, staff, user, shape):
    start, end = past_period()
    outage = start + timedelta(days=10, hours=3)
    sub = subscription_with_period(user)
    monitor(start, end, [api_down(outage, 60)])
    window = {"exact outage": (outage, outage + timedelta(minutes=60)),
              "3.5 days around it": (outage - timedelta(days=2), outage + timedelta(days=1, hours=12)),
              "the whole billing period": (start, end)}[shape]
    row = _row(staff, _file(owner, sub, *window))
    assert row["billing_period_start"] == start.isoformat().replace("+00:00", "Z")
    assert row["billing_period_end"] == end.isoformat().replace("+00:00", "Z")
    assert row["measured_downtime_minutes"] == 60 and row["period_charge"] == MONTHLY
    assert row["monthly_uptime_percent"] == pytest.approx(99.8611, abs=1e-4)  # 43,140 / 43,200
    assert row["suggested_credit_amount"] == 490 and row["currency"] == "USD"
    assert row["computation"]["tier_applied"] == [99.9, 10]


def test_a_five_minute_blip_earns_nothing_even_over_a_short_window(owner, staff, user):
    start, end = past_period()
    blip = start + timedelta(days=12)
    sub = subscription_with_period(user)
    monitor(start, end, [api_down(blip, 5)])
    row = _row(staff, _file(owner, sub, blip - timedelta(days=1, hours=18), blip + timedelta(days=1, hours=18), 5))
    assert row["measured_downtime_minutes"] == 5 and row["monthly_uptime_percent"] > 99.9
    assert row["suggested_credit_amount"] == 0


def test_a_stripe_only_outage_is_not_levqor_downtime(owner, staff, user):
    start, end = past_period()
    outage = start + timedelta(days=5)
    sub = subscription_with_period(user)
    monitor(start, end, [(outage, outage + timedelta(hours=3), {"stripe_status": "down", "frontend_status": "down"})])
    row = _row(staff, _file(owner, sub, outage, outage + timedelta(hours=3), 180))
    assert row["measured_downtime_minutes"] == 0 and row["monthly_uptime_percent"] == 100.0
    assert row["suggested_credit_amount"] == 0


def test_a_void_invoice_is_not_a_fee(owner, staff, user):
    """The period was invoiced twice: the first invoice voided, the second paid. It cost $49, not $98."""
    start, end = past_period()
    outage = start + timedelta(days=3)
    sub = subscription_with_period(user, invoices=(("void", MONTHLY), ("paid", MONTHLY)))
    monitor(start, end, [api_down(outage, 60)])
    claim_id = _file(owner, sub, outage, outage + timedelta(hours=1))
    row = _row(staff, claim_id)
    assert row["period_charge"] == MONTHLY and row["suggested_credit_amount"] == 490
    sources = row["computation"]["billing_period"]["sources"]
    assert [(s["status"], s["counted"]) for s in sources] == [("void", 0), ("paid", MONTHLY)]
    # Staff may approve up to the period's charge, never more.
    res = staff.post(f"/api/admin/sla-credit/{claim_id}/decision",
                     json={"status": "approved", "credit_amount": MONTHLY + 1, "credit_method": "manual"})
    assert res.status_code == 422 and "$49.00" in res.get_json()["fields"]["credit_amount"]
    res = staff.post(f"/api/admin/sla-credit/{claim_id}/decision",
                     json={"status": "approved", "credit_amount": MONTHLY, "credit_method": "manual"})
    assert res.status_code == 200 and res.get_json()["request"]["credit_amount"] == MONTHLY


def test_an_uncollectible_period_costs_nothing_so_no_credit(owner, staff, user):
    start, end = past_period()
    outage = start + timedelta(days=3)
    sub = subscription_with_period(user, invoices=(("uncollectible", MONTHLY),))
    monitor(start, end, [api_down(outage, 600)])
    row = _row(staff, _file(owner, sub, outage, outage + timedelta(hours=10), 600))
    assert row["period_charge"] == 0 and row["computation"]["credit_pct"] == 25
    assert row["suggested_credit_amount"] == 0


def test_a_window_across_two_billing_periods_is_refused_naming_the_boundary(owner, user, app):
    start, end = past_period()
    sub = subscription_with_period(user)
    res = owner.post("/api/support/sla-credit",
                     json=payload(sub, end - timedelta(hours=1), end + timedelta(hours=1), minutes=60))
    assert res.status_code == 422
    body = res.get_json()
    assert end.strftime("%Y-%m-%dT%H:%M") in body["message"] and "period_end" in body["fields"]


def test_maintenance_windows_are_excluded_from_the_period(app, user):
    start, end = past_period()
    work = start + timedelta(days=7)
    monitor(start, end, [api_down(work, 120)])
    plain = measure.measure_period(start, end)
    assert plain["down_minutes"] == 120 and plain["uptime_pct"] < 99.9
    excluded = measure.measure_period(start, end, maintenance=[(work, work + timedelta(hours=2))])
    assert excluded["down_minutes"] == 0 and excluded["maintenance_minutes"] == 120
    assert excluded["available_minutes"] == 43_200 - 120 and excluded["uptime_pct"] == 100.0


def test_time_without_data_is_excluded_reported_and_flagged_above_the_threshold(app, user):
    start, end = past_period()
    outage = start + timedelta(days=20)
    monitor(start + timedelta(days=3), end, [api_down(outage, 60)])  # the first 3 days were not monitored
    m = measure.measure_period(start, end)
    assert m["no_data_minutes"] == 3 * 1440 and m["no_data_pct"] == 10.0 and m["trusted"] is False
    assert m["available_minutes"] == 27 * 1440
    assert m["uptime_pct"] == pytest.approx((27 * 1440 - 60) / (27 * 1440) * 100, abs=1e-4)
    monitor(start, start + timedelta(days=3))
    assert measure.measure_period(start, end)["trusted"] is True


def test_a_current_period_costs_the_current_price_and_is_provisional(owner, staff, user):
    _, end = past_period()
    sub = subscription_with_period(user, price=1900)
    outage = end + timedelta(hours=5)
    monitor(end, utcnow() - timedelta(minutes=5), [api_down(outage, 30)])
    row = _row(staff, _file(owner, sub, outage, outage + timedelta(minutes=30), 30))
    assert row["period_charge"] == 1900 and row["computation"]["provisional"] is True
    assert row["measured_downtime_minutes"] == 30 and row["suggested_credit_amount"] == 0  # 99.93 %


def test_a_second_claim_in_the_same_month_only_tops_up_what_was_already_credited(owner, staff, user):
    start, end = past_period()
    first, second = start + timedelta(days=3), start + timedelta(days=20)
    sub = subscription_with_period(user)
    monitor(start, end, [api_down(first, 60), api_down(second, 60)])
    claim_id = _file(owner, sub, first, first + timedelta(hours=1))
    assert _row(staff, claim_id)["suggested_credit_amount"] == 490  # 120 min down in the month: 99.72 % → 10 %
    staff.post(f"/api/admin/sla-credit/{claim_id}/decision",
               json={"status": "approved", "credit_amount": 490, "credit_method": "manual", "stripe_ref": "x"})
    row = _row(staff, _file(owner, sub, second, second + timedelta(hours=1)))
    assert row["monthly_uptime_percent"] == pytest.approx(99.7222, abs=1e-4)
    assert row["computation"]["credited_before"] == 490 and row["suggested_credit_amount"] == 0


@pytest.mark.server_only
def test_announced_maintenance_is_excluded_end_to_end_through_the_api(owner, staff, user):
    """Maintenance rows written with plain SQL, as the rest of the platform may (SPEC columns only)."""
    from sqlalchemy import text

    from app.extensions import db

    start, end = past_period()
    work, stripe_work = start + timedelta(days=6), start + timedelta(days=8)
    sub = subscription_with_period(user)
    monitor(start, end, [api_down(work, 120), api_down(stripe_work, 60)])
    insert = text("INSERT INTO scheduled_maintenances (title, message, components, starts_at, ends_at, status) "
                  "VALUES (:title, 'x', CAST(:components AS jsonb), :s, :e, :status)")
    db.session.execute(insert, {"title": "Database upgrade", "components": '["database", "api"]', "s": work,
                                "e": work + timedelta(hours=2), "status": "completed"})
    # Maintenance of a third-party component only does not excuse our API being down.
    db.session.execute(insert, {"title": "Stripe webhook move", "components": '["stripe"]', "s": stripe_work,
                                "e": stripe_work + timedelta(hours=1), "status": "completed"})
    db.session.commit()
    claim_id = _file(owner, sub, work, stripe_work + timedelta(hours=1), 180)
    row = _row(staff, claim_id)
    assert row["computation"]["maintenance_minutes"] == 120 and row["measured_downtime_minutes"] == 60
    assert row["monthly_uptime_percent"] == pytest.approx((43_080 - 60) / 43_080 * 100, abs=1e-4)
    assert row["suggested_credit_amount"] == 490
    listed = staff.get(f"/api/admin/sla-credit/{claim_id}").get_json()["overlapping"]["maintenances"]
    assert [m["title"] for m in listed] == ["Database upgrade", "Stripe webhook move"]
