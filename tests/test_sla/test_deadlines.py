"""Provider-style deadlines (issue 21, point 4): a claim may be filed until SLA_FILING_DAYS (60) after the end
of the billing period holding the outage; staff should decide within SLA_DECISION_DAYS (30) and the console
flags older pending claims as overdue."""
from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.models import Invoice, SlaCreditRequest, Subscription
from app.models.types import utcnow
from tests.test_sla.conftest import Signed, five_minute_floor, payload


def _subscription(user):
    """Billed for [now-91d, now-61d) by a paid invoice; the current period runs [now-61d, now+1d)."""
    now = five_minute_floor(utcnow())
    sub = Subscription(user_id=user.id, plan="pro", status="active", price_amount=4900, currency="USD",
                       current_period_start=now - timedelta(days=61), current_period_end=now + timedelta(days=1))
    db.session.add(sub)
    db.session.flush()
    db.session.add(Invoice(user_id=user.id, subscription_id=sub.id, number="LQ-61", status="paid", amount_due=4900,
                           amount_paid=4900, currency="USD", period_start=now - timedelta(days=91),
                           period_end=now - timedelta(days=61)))
    db.session.commit()
    return sub, now


def test_filing_closes_sixty_days_after_the_billing_period_and_staff_see_overdue_claims(app, login, user, admin):
    sub, now = _subscription(user)
    owner, staff = Signed(app, login, user), Signed(app, login, admin)
    late = now - timedelta(days=70)  # in the period that ended 61 days ago
    res = owner.post("/api/support/sla-credit", json=payload(sub, late, late + timedelta(hours=1)))
    assert res.status_code == 422, res.get_json()
    deadline = (now - timedelta(days=1)).strftime("%Y-%m-%d")
    assert f"could be filed until {deadline}" in res.get_json()["fields"]["period_end"]
    window = {"subscription_id": sub.id, "period_start": late.isoformat(),
              "period_end": (late + timedelta(hours=1)).isoformat()}
    res = owner.get("/api/support/sla-credit/preview", query_string=window)
    assert res.status_code == 422 and "period_end" in res.get_json()["fields"]
    assert db.session.query(SlaCreditRequest).count() == 0

    # An outage 59 days ago sits in the current period: its deadline is 60 days after that period ends.
    early = now - timedelta(days=59)
    res = owner.post("/api/support/sla-credit", json=payload(sub, early, early + timedelta(hours=1)))
    assert res.status_code == 201, res.get_json()
    claim = db.session.get(SlaCreditRequest, res.get_json()["request"]["id"])
    assert "60 days after the end of the billing period" in owner.get("/sla-credits").get_data(as_text=True)

    row = staff.get(f"/api/admin/sla-credit/{claim.id}").get_json()["request"]
    due = (utcnow() + timedelta(days=30)).strftime("%Y-%m-%d")
    assert row["overdue"] is False and row["decision_due_at"].startswith(due)
    claim.created_at = now - timedelta(days=31)
    db.session.commit()
    assert staff.get(f"/api/admin/sla-credit/{claim.id}").get_json()["request"]["overdue"] is True
    grid = staff.get("/admin/sla-credits/").get_data(as_text=True)
    assert "31 d" in grid and "overdue" in grid
    assert 'id="overdue"' in staff.get(f"/admin/sla-credits/claim/{claim.id}").get_data(as_text=True)
