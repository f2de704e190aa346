"""A $49/month customer with a fully monitored past billing period, for the issue-11 worked examples."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert

from app.extensions import db
from app.models import Invoice, StatusSnapshot, Subscription
from app.models.types import utcnow
from tests.test_sla.conftest import five_minute_floor

MONTHLY = 4900
LEVEL_COLUMNS = ("api_status", "db_status", "workflows_status", "stripe_status", "frontend_status")


def past_period():
    """A 30-day billing period that ended two days ago (inside the filing window)."""
    end = five_minute_floor(utcnow() - timedelta(days=2))
    return end - timedelta(days=30), end


def subscription_with_period(user, invoices=(("paid", MONTHLY),), currency="USD", price=MONTHLY):
    """Subscription whose previous billing period is billed by `invoices` [(status, amount)]; the current
    period (not invoiced yet) starts where it ends."""
    start, end = past_period()
    sub = Subscription(user_id=user.id, plan="pro", status="active", price_amount=price, currency=currency,
                       current_period_start=end, current_period_end=end + timedelta(days=30),
                       stripe_subscription_id="sub_49")
    db.session.add(sub)
    db.session.flush()
    for n, (status, amount) in enumerate(invoices):
        db.session.add(Invoice(user_id=user.id, subscription_id=sub.id, number=f"LQ-49-{n}", status=status,
                               amount_due=amount, amount_paid=amount if status == "paid" else 0, currency=currency,
                               period_start=start, period_end=end, stripe_invoice_id=f"in_49_{n}"))
    db.session.commit()
    return sub


def monitor(start, end, outages=()):
    """A snapshot every 5 minutes over [start, end]; `outages` are (from, to, {column: level}) overrides."""
    rows, ts = [], start + timedelta(minutes=5)
    while ts <= end:
        levels = dict.fromkeys(LEVEL_COLUMNS, "up")
        for o_start, o_end, override in outages:
            if o_start < ts <= o_end:
                levels.update(override)
        worst = "down" if "down" in levels.values() else "up"
        rows.append({"ts": ts, "overall_status": worst, "details": {}, **levels})
        ts += timedelta(minutes=5)
    db.session.execute(insert(StatusSnapshot), rows)
    db.session.commit()


def api_down(start, minutes):
    return (start, start + timedelta(minutes=minutes), {"api_status": "down"})
