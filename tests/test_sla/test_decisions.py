"""Staff decisions: only pending claims, bounded credits, notes on rejection, email to the user, audit,
and the credit state (Stripe itself: test_stripe_credit.py)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.extensions import db
from app.models import AuditLog, SlaCreditRequest
from app.models.types import utcnow
from tests.support.services import mail_parts
from tests.test_sla.conftest import Signed, fresh_csrf, payload


@pytest.fixture
def claim(client, login, user, sub, window):
    token = login(user)
    res = client.post("/api/support/sla-credit", json=payload(sub, *window), headers={"X-CSRFToken": token})
    assert res.status_code == 201
    client.post("/api/auth/logout", headers={"X-CSRFToken": token})
    return db.session.get(SlaCreditRequest, res.get_json()["request"]["id"])


@pytest.fixture
def staff(app, admin, login):
    signed = Signed(app, login, admin)

    def decide(claim_id, **body):
        return signed.post(f"/api/admin/sla-credit/{claim_id}/decision", json=body)

    signed.decide = decide
    return signed


def test_approval_records_the_decision_and_emails_the_user(claim, staff, admin, smtp, drain_queues, user):
    res = staff.decide(claim.id, status="approved", credit_amount=1500, notes="Confirmed by our monitoring.",
                       stripe_ref="cn_by_hand_1")
    assert res.status_code == 200, res.get_json()
    row = res.get_json()["request"]
    assert row["status"] == "approved" and row["decision"] == "approved"
    assert row["credit_amount"] == 1500 and row["currency"] == "USD" and row["stripe_ref"] == "cn_by_hand_1"
    db.session.expire_all()
    saved = db.session.get(SlaCreditRequest, claim.id)
    assert saved.decided_by == admin.id and utcnow() - saved.decided_at < timedelta(minutes=1)
    audit = db.session.query(AuditLog).filter_by(action="sla.decided").one()
    assert audit.actor_id == admin.id and audit.target_user_id == user.id and audit.details["credit_amount"] == 1500

    drain_queues()
    [mail] = smtp.wait_for(1)
    assert mail["to"] == [user.email]
    assert mail["subject"] == f"Your SLA credit request {claim.ticket_id} was approved"
    text, html = mail_parts(mail["message"])
    assert "$15.00" in text and "Confirmed by our monitoring." in text and "/sla-credits" in text
    assert "$15.00" in html and "Approved" in html
    assert "Decision: Approved\r\n" in text  # the same word as the HTML part, not shouted

    mine = staff.get("/api/admin/sla-credit?status=approved").get_json()
    assert mine["total"] == 1 and mine["requests"][0]["user_email"] == user.email


def test_rejection_needs_notes_and_emails_them(claim, staff, smtp, drain_queues):
    res = staff.decide(claim.id, status="rejected", notes="")
    assert res.status_code == 422 and "notes" in res.get_json()["fields"]
    assert db.session.get(SlaCreditRequest, claim.id).status == "pending"
    res = staff.decide(claim.id, status="rejected", notes="Our monitoring saw no outage then.")
    assert res.status_code == 200 and res.get_json()["request"]["credit_amount"] is None
    drain_queues()
    [mail] = smtp.wait_for(1)
    assert "rejected" in mail["subject"]
    text, html = mail_parts(mail["message"])
    assert "Our monitoring saw no outage then." in text and "Our monitoring saw no outage then." in html


@pytest.mark.parametrize("body,field", [
    ({"status": "approved", "credit_amount": 0}, "credit_amount"),
    ({"status": "approved", "credit_amount": -5}, "credit_amount"),
    ({"status": "approved"}, "credit_amount"),
    ({"status": "approved", "credit_amount": 720_001}, "credit_amount"),  # the billing period cost 7,200.00
    ({"status": "approved", "credit_amount": 99}, "credit_amount"),  # below SLA_MIN_CREDIT (1.00)
    ({"status": "approved", "credit_amount": 12.5}, "credit_amount"),  # minor units are whole numbers
    ({"status": "maybe"}, "status"),
])
def test_invalid_decisions_change_nothing(claim, staff, smtp, drain_queues, body, field):
    res = staff.decide(claim.id, **body)
    assert res.status_code == 422 and field in res.get_json()["fields"]
    db.session.expire_all()
    assert db.session.get(SlaCreditRequest, claim.id).status == "pending"
    assert db.session.query(AuditLog).filter_by(action="sla.decided").count() == 0
    drain_queues()
    assert smtp.messages == []


def test_unknown_claims_are_404_even_beyond_the_integer_range(staff):
    for claim_id in (424242, 10**20):
        res = staff.decide(claim_id, status="approved", credit_amount=1)
        assert res.status_code == 404 and res.get_json()["error"] == "not_found"
        assert staff.get(f"/api/admin/sla-credit/{claim_id}").status_code == 404
        assert staff.get(f"/admin/sla-credits/claim/{claim_id}").status_code == 404


def test_credit_up_to_the_billing_periods_charge_is_allowed(claim, staff):
    assert staff.decide(claim.id, status="approved", credit_amount=720_000).status_code == 200


def test_only_pending_claims_can_be_decided(claim, staff):
    assert staff.decide(claim.id, status="rejected", notes="No outage.").status_code == 200
    res = staff.decide(claim.id, status="approved", credit_amount=100)
    assert res.status_code == 409 and res.get_json()["error"] == "not_pending"
    db.session.expire_all()
    assert db.session.get(SlaCreditRequest, claim.id).status == "rejected"


def test_non_admins_cannot_decide_or_list(claim, client, login, user):
    fresh_csrf()
    token = login(user)
    assert client.get("/api/admin/sla-credit").status_code == 403
    res = client.post(f"/api/admin/sla-credit/{claim.id}/decision", json={"status": "approved", "credit_amount": 1},
                      headers={"X-CSRFToken": token})
    assert res.status_code == 403
    assert db.session.get(SlaCreditRequest, claim.id).status == "pending"


def test_admin_list_filters(claim, staff, user):
    def ids(query):
        res = staff.get(f"/api/admin/sla-credit?{query}")
        assert res.status_code == 200, res.get_json()
        return [r["id"] for r in res.get_json()["requests"]]

    today = utcnow().date().isoformat()
    assert ids("status=pending") == [claim.id]
    assert ids("status=approved") == []
    assert ids(f"email={user.email.upper()}") == [claim.id]
    assert ids("email=nobody@example.com") == []
    assert ids("plan=pro") == [claim.id] and ids("plan=starter") == []
    assert ids(f"date_from={today}&date_to={today}") == [claim.id]
    assert ids("date_to=2000-01-01") == []
    row = staff.get("/api/admin/sla-credit").get_json()["requests"][0]
    assert row["claimed_downtime_minutes"] == 30 and "measured_downtime_minutes" in row
    assert staff.get("/api/admin/sla-credit?status=bogus").status_code == 422
    assert staff.get("/api/admin/sla-credit?date_from=yesterday").status_code == 422
