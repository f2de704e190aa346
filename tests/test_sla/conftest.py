"""Factories for SLA tests: an active subscription billed by invoices, snapshots, and a claim payload."""
from __future__ import annotations

import os
from datetime import timedelta

import pytest

from app.extensions import db
from app.models import AuditLog, Invoice, SlaCreditRequest, StatusSnapshot, Subscription
from app.models.types import utcnow

PRICE = 720_000  # 7,200.00 USD per 30-day period: 1,000 cents per hour, easy to reason about


def five_minute_floor(when):
    when = when.replace(second=0, microsecond=0)
    return when - timedelta(minutes=when.minute % 5)


def make_subscription(user, status="active", price=PRICE, with_invoice=True):
    now = utcnow()
    sub = Subscription(user_id=user.id, plan="pro", status=status, price_amount=price, currency="USD",
                       current_period_start=now - timedelta(days=10), current_period_end=now + timedelta(days=20),
                       stripe_subscription_id="sub_test")
    db.session.add(sub)
    db.session.flush()
    if with_invoice:
        db.session.add(Invoice(user_id=user.id, subscription_id=sub.id, number="LQ-0001", status="paid",
                               amount_due=price, amount_paid=price, currency="USD",
                               period_start=now - timedelta(days=40), period_end=now - timedelta(days=10),
                               stripe_invoice_id="in_prev_period"))
    db.session.commit()
    return sub


def seed_snapshots(start, levels):
    """levels: {minutes_after_start: level} for snapshots at start + m (each covers the 5 minutes before)."""
    for minutes, level in levels.items():
        db.session.add(StatusSnapshot(ts=start + timedelta(minutes=minutes), overall_status=level,
                                      api_status=level, details={}))
    db.session.commit()


def payload(sub, start, end, minutes=30, description="API answered 503 for half an hour."):
    return {"subscription_id": sub.id, "period_start": start.isoformat(), "period_end": end.isoformat(),
            "claimed_downtime_minutes": minutes, "description": description}


def counts(app) -> dict:
    root = os.path.join(app.config["STORAGE_LOCAL_DIR"], "sla")
    files = sum(len(f) for _, _, f in os.walk(root)) if os.path.isdir(root) else 0
    return {"claims": db.session.query(SlaCreditRequest).count(),
            "audit": db.session.query(AuditLog).filter(AuditLog.action.like("sla.%")).count(),
            "files": files}


def fresh_csrf() -> None:
    """The test's app context outlives requests, so `g` (Flask-WTF's token cache, Flask-Login's current
    user) would carry one client's session into the next client's request. Forget both between clients."""
    from flask import g

    g.pop("csrf_token", None)
    g.pop("_login_user", None)


class Signed:
    """A test client signed in as someone, safe to interleave with other clients in one test."""

    def __init__(self, app, login, who):
        self.client = app.test_client()
        fresh_csrf()
        self.token = login(who, on=self.client)

    def get(self, url, **kwargs):
        fresh_csrf()
        return self.client.get(url, **kwargs)

    def post(self, url, **kwargs):
        fresh_csrf()
        headers = {"X-CSRFToken": self.token, **kwargs.pop("headers", {})}
        return self.client.post(url, headers=headers, **kwargs)


@pytest.fixture
def stripe_api(app, httpserver):
    """The Stripe stand-in (tests/support/stripe_standin.py) with the $49 month's paid invoice (monthly.py)."""
    from tests.support.stripe_standin import StripeStandIn
    from tests.test_sla.monthly import MONTHLY

    saved = {k: app.config.get(k) for k in ("STRIPE_API_KEY", "STRIPE_API_BASE")}
    app.config.update(STRIPE_API_KEY="sk_test_levqor", STRIPE_API_BASE=httpserver.url_for("").rstrip("/"))
    standin = StripeStandIn(httpserver)
    standin.invoices["in_49_0"] = {"status": "paid", "amount_paid": MONTHLY, "amount_remaining": 0,
                                   "customer": "cus_49", "currency": "usd"}
    yield standin
    app.config.update(saved)


@pytest.fixture
def sub(user):
    return make_subscription(user)


@pytest.fixture
def window():
    """A two-hour period three days ago, on 5-minute boundaries."""
    start = five_minute_floor(utcnow() - timedelta(days=3))
    return start, start + timedelta(hours=2)
