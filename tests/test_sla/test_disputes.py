"""Disputes (issue 21, point 1): the owner disputes a decided claim once, within SLA_DISPUTE_DAYS; a second
staff member upholds or revises it; a revision credits the difference once through Stripe (the stand-in
checks each call) and the customer is emailed the outcome and why."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest

from app.extensions import db
from app.models import AuditLog, SlaCreditRequest, SlaDispute
from app.models.types import utcnow
from tests.support.services import mail_parts
from tests.test_sla.conftest import Signed, payload
from tests.test_sla.monthly import MONTHLY, api_down, monitor, past_period, subscription_with_period


@pytest.fixture
def second_admin(make_user):
    return make_user("second-admin@example.com", "second-admin-password", is_admin=True)


@pytest.fixture
def people(app, login, user, admin, second_admin):
    """The customer, the staff member who decides first, and the one who decides the dispute."""
    owner, first, second = Signed(app, login, user), Signed(app, login, admin), Signed(app, login, second_admin)
    owner.user = user
    return owner, first, second


def claim_decided(people, status="approved", amount=490, notes="An hour down: 10 % of the month.", monitored=True):
    """A claim for an hour down in the past $49 billing period, decided by the first staff member."""
    owner, first, _ = people
    start, end = past_period()
    outage = start + timedelta(days=4)
    sub = subscription_with_period(owner.user)
    if monitored:
        monitor(start, end, [api_down(outage, 60)])
    res = owner.post("/api/support/sla-credit", json=payload(sub, outage, outage + timedelta(hours=1), 60))
    assert res.status_code == 201, res.get_json()
    claim_id = res.get_json()["request"]["id"]
    body = {"status": status, "notes": notes, **({"credit_amount": amount} if status == "approved" else {})}
    assert first.post(f"/api/admin/sla-credit/{claim_id}/decision", json=body).status_code == 200
    return claim_id


def dispute(owner, claim_id, **body):
    return owner.post(f"/api/support/sla-credit/{claim_id}/dispute", json=body)


def decide(staff, claim_id, **body):
    return staff.post(f"/api/admin/sla-credit/{claim_id}/dispute-decision", json=body)


def mine(owner, claim_id):
    return next(r for r in owner.get("/api/support/sla-credit").get_json()["requests"] if r["id"] == claim_id)


def test_a_rejected_claim_is_disputed_once_and_shown_to_staff_first(people, make_user, app, login):
    owner, first, _ = people
    claim_id = claim_decided(people, status="rejected", notes="Our monitoring saw nothing.")
    assert mine(owner, claim_id)["dispute"] is None
    res = dispute(owner, claim_id, reason="Our workflows failed all hour; see our logs.")
    assert res.status_code == 201, res.get_json()
    shown = res.get_json()["request"]["dispute"]
    assert shown["status"] == "open" and shown["reason"] == "Our workflows failed all hour; see our logs."
    assert shown["opened_at"] and shown["decided_at"] is None
    assert mine(owner, claim_id)["dispute"]["status"] == "open"

    again = dispute(owner, claim_id, reason="Once more.")
    assert again.status_code == 409 and again.get_json()["error"] == "already_disputed"
    assert db.session.query(SlaDispute).count() == 1

    # Staff: ?status=disputed lists it, and the unfiltered queue puts it first, beside the first decision.
    newer = claim_decided_newer(owner)
    listed = first.get("/api/admin/sla-credit?status=disputed").get_json()
    assert [r["id"] for r in listed["requests"]] == [claim_id] and listed["total"] == 1
    queue = first.get("/api/admin/sla-credit").get_json()["requests"]
    assert [r["id"] for r in queue][:2] == [claim_id, newer]
    row = queue[0]
    assert row["decision"] == "rejected" and row["notes"] == "Our monitoring saw nothing."
    assert row["monthly_uptime_percent"] is not None and row["dispute"]["status"] == "open"
    assert db.session.query(AuditLog).filter_by(action="sla.disputed").one().actor_id == owner.user.id


def claim_decided_newer(owner):
    """A second, pending claim filed after the disputed one (on another subscription period)."""
    sub = db.session.query(SlaCreditRequest).first().subscription
    start = sub.current_period_start + timedelta(minutes=5)
    res = owner.post("/api/support/sla-credit", json=payload(sub, start, start + timedelta(minutes=30), 5))
    assert res.status_code == 201, res.get_json()
    return res.get_json()["request"]["id"]


def test_only_the_owner_a_decided_claim_and_within_the_window(people, make_user, app, login):
    owner, first, _ = people
    start, end = past_period()
    sub = subscription_with_period(owner.user)
    monitor(start, end)
    pending = owner.post("/api/support/sla-credit", json=payload(sub, start + timedelta(days=4),
                                                                 start + timedelta(days=4, hours=1))).get_json()
    assert "request" in pending, pending
    res = dispute(owner, pending["request"]["id"], reason="Too slow.")
    assert res.status_code == 409 and res.get_json()["error"] == "not_decided"

    claim_id = pending["request"]["id"]
    first.post(f"/api/admin/sla-credit/{claim_id}/decision", json={"status": "rejected", "notes": "No outage."})
    stranger = Signed(app, login, make_user("stranger@example.com"))
    res = dispute(stranger, claim_id, reason="Mine now.")
    assert res.status_code == 404 and res.get_json()["ok"] is False
    res = stranger.post(f"/api/support/sla-credit/{claim_id}/messages", json={"body": "hello"})
    assert res.status_code == 404

    claim = db.session.get(SlaCreditRequest, claim_id)
    claim.decided_at = utcnow() - timedelta(days=31)  # SLA_DISPUTE_DAYS is 30
    db.session.commit()
    res = dispute(owner, claim_id, reason="Late.")
    assert res.status_code == 409 and res.get_json()["error"] == "dispute_window_closed"
    assert "30 days" in res.get_json()["message"]
    assert db.session.query(SlaDispute).count() == 0


BAD_DISPUTES = [({}, "reason"), ({"reason": "   "}, "reason"), ({"reason": "x" * 5001}, "reason"),
                ({"reason": 42}, "reason"), ({"reason": "bad\x00byte"}, "reason")]


def test_bad_dispute_input_is_refused_per_field_and_changes_nothing(people):
    owner, _, _ = people
    claim_id = claim_decided(people, monitored=False)
    for body, field in BAD_DISPUTES:
        res = dispute(owner, claim_id, **body)
        assert res.status_code == 422 and field in res.get_json()["fields"], (body, res.get_json())
    assert db.session.query(SlaDispute).count() == 0
    assert db.session.query(AuditLog).filter_by(action="sla.disputed").count() == 0
    assert mine(owner, claim_id)["dispute"] is None


def test_a_dispute_may_carry_evidence_under_the_claims_attachment_rules(people):
    owner, _, _ = people
    claim_id = claim_decided(people)
    fake = {"reason": "See the screenshot.", "attachment": (io.BytesIO(b"not a png"), "shot.png")}
    res = owner.post(f"/api/support/sla-credit/{claim_id}/dispute", data=fake, content_type="multipart/form-data")
    assert res.status_code == 422 and "attachment" in res.get_json()["fields"]
    assert db.session.query(SlaDispute).count() == 0
    good = {"reason": "Our log.", "attachment": (io.BytesIO(b"12:00 503\n12:05 503\n"), "api.log")}
    res = owner.post(f"/api/support/sla-credit/{claim_id}/dispute", data=good, content_type="multipart/form-data")
    assert res.status_code == 201 and res.get_json()["request"]["dispute"]["attachment_name"] == "api.log"


def test_four_eyes_then_upheld_keeps_the_decision_and_emails_why(people, smtp, drain_queues, user):
    owner, first, second = people
    claim_id = claim_decided(people)
    dispute(owner, claim_id, reason="It was down for longer.")
    res = decide(first, claim_id, outcome="upheld", notes="Checked again.")
    assert res.status_code == 403 and res.get_json()["error"] == "four_eyes_required"
    assert db.session.query(SlaDispute).one().status == "open"

    res = decide(second, claim_id, outcome="upheld", notes="Our checks every 5 minutes show one hour.")
    assert res.status_code == 200, res.get_json()
    row = res.get_json()["request"]
    assert row["status"] == "approved" and row["credit_amount"] == 490 and row["dispute"]["status"] == "upheld"
    assert decide(second, claim_id, outcome="revised", credit_amount=980, notes="x").status_code == 409
    drain_queues()
    mail = smtp.wait_for(2)[-1]
    assert mail["to"] == [user.email] and mail["subject"] == f"Your dispute of SLA-{claim_id:06d} was upheld"
    text, html = mail_parts(mail["message"])
    assert "The first decision stands: your credit stays $4.90" in text
    assert "Our checks every 5 minutes show one hour." in text and "Our checks every 5 minutes" in html
    assert mine(owner, claim_id)["dispute"]["notes"] == "Our checks every 5 minutes show one hour."


BAD_DECISIONS = [
    ({"outcome": "maybe", "notes": "x"}, "outcome"),
    ({"outcome": "upheld", "notes": ""}, "notes"),
    ({"outcome": "revised", "notes": "x"}, "credit_amount"),
    ({"outcome": "revised", "notes": "x", "credit_amount": 490}, "credit_amount"),  # not above the first credit
    ({"outcome": "revised", "notes": "x", "credit_amount": MONTHLY + 1}, "credit_amount"),  # above the charge
    ({"outcome": "revised", "notes": "x", "credit_amount": "9.80"}, "credit_amount"),
    ({"outcome": "revised", "notes": "x", "credit_amount": 980, "credit_method": "cash"}, "credit_method"),
]


def test_bad_dispute_decisions_are_refused_per_field_and_change_nothing(people):
    owner, _, second = people
    claim_id = claim_decided(people, monitored=False)
    dispute(owner, claim_id, reason="More.")
    for body, field in BAD_DECISIONS:
        res = decide(second, claim_id, **body)
        assert res.status_code == 422 and field in res.get_json()["fields"], (body, res.get_json())
    db.session.expire_all()
    claim = db.session.get(SlaCreditRequest, claim_id)
    assert claim.dispute.status == "open" and claim.credit_amount == 490
    assert db.session.query(AuditLog).filter_by(action="sla.dispute_decided").count() == 0


def test_revised_credits_the_difference_once_and_tells_the_customer(people, stripe_api, smtp, drain_queues):
    owner, first, second = people
    claim_id = claim_decided(people)
    assert stripe_api.balance_transactions[-1]["amount"] == -490
    dispute(owner, claim_id, reason="Our runs failed for three hours.")
    res = decide(second, claim_id, outcome="revised", credit_amount=1225,
                 notes="Our API check missed the workflow outage: 25 % tier.")
    assert res.status_code == 200, res.get_json()
    row = res.get_json()["request"]
    assert row["credit_amount"] == 1225 and row["dispute"]["status"] == "revised"
    assert row["dispute"]["credit_difference"] == 735 and row["dispute"]["credit_state"] == "issued"
    assert [t["amount"] for t in stripe_api.balance_transactions] == [-490, -735]
    post = [c for c in stripe_api.calls if c["method"] == "POST"][-1]
    assert post["key"] == f"levqor-sla-{claim_id}-dispute-balance-735"
    assert post["params"]["metadata[sla_claim_id]"] == str(claim_id)
    # Nothing left to retry, nothing decided twice.
    assert second.post(f"/api/admin/sla-credit/{claim_id}/dispute-credit/retry", json={}).status_code == 409
    assert decide(second, claim_id, outcome="revised", credit_amount=2000, notes="again").status_code == 409
    assert len(stripe_api.balance_transactions) == 2

    drain_queues()
    mail = smtp.wait_for(2)[-1]
    text, _ = mail_parts(mail["message"])
    assert mail["subject"] == f"Your dispute of SLA-{claim_id:06d} was revised"
    assert "now $12.25 in total: $7.35 more" in text and "has been applied" in text
    assert "25 % tier" in text
    shown = mine(owner, claim_id)
    assert shown["credit_amount_display"] == "$12.25" and shown["dispute"]["credit_difference_display"] == "$7.35"


def test_a_revised_rejection_becomes_an_approved_credit(people, stripe_api):
    owner, _, second = people
    claim_id = claim_decided(people, status="rejected", notes="Within the SLA.")
    dispute(owner, claim_id, reason="It was not.")
    res = decide(second, claim_id, outcome="revised", credit_amount=490, notes="You are right.")
    row = res.get_json()["request"]
    assert row["status"] == "approved" and row["decision"] == "rejected"  # the first decision stays visible
    assert row["dispute"]["first_credit_amount"] == 0 and row["dispute"]["credit_difference"] == 490
    assert [t["amount"] for t in stripe_api.balance_transactions] == [-490]


def test_stripe_failing_then_timing_out_leaves_the_difference_pending_never_credited_twice(
        people, stripe_api, configure, smtp, drain_queues):
    owner, _, second = people
    claim_id = claim_decided(people)
    dispute(owner, claim_id, reason="Longer.")
    stripe_api.fail_next("/balance_transactions", 500)
    res = decide(second, claim_id, outcome="revised", credit_amount=980, notes="Two hours.")
    row = res.get_json()["request"]
    assert res.status_code == 200 and row["dispute"]["credit_state"] == "pending"
    assert "Stripe refused" in row["dispute"]["credit_error"] and len(stripe_api.balance_transactions) == 1
    drain_queues()
    text, _ = mail_parts(smtp.wait_for(2)[-1]["message"])
    assert "not on your account yet" in text and "has been applied" not in text
    assert mine(owner, claim_id)["dispute"]["credit_state"] == "pending"

    # The retry reaches Stripe, which makes the credit, but answers after our timeout.
    configure(STRIPE_TIMEOUT=0.3)
    stripe_api.stall_next("/balance_transactions", 1.0)
    retry = second.post(f"/api/admin/sla-credit/{claim_id}/dispute-credit/retry", json={})
    assert retry.get_json()["request"]["dispute"]["credit_state"] == "pending"
    assert len(stripe_api.balance_transactions) == 2  # Stripe did credit it

    # Retrying again with the same key replays Stripe's answer: issued, and still one difference credit.
    configure(STRIPE_TIMEOUT=5)
    retry = second.post(f"/api/admin/sla-credit/{claim_id}/dispute-credit/retry", json={})
    row = retry.get_json()["request"]
    assert row["dispute"]["credit_state"] == "issued" and row["dispute"]["stripe_ref"].startswith("cbtxn_")
    assert [t["amount"] for t in stripe_api.balance_transactions] == [-490, -490]
    keys = {c["key"] for c in stripe_api.calls if c["method"] == "POST" and "dispute" in (c["key"] or "")}
    assert keys == {f"levqor-sla-{claim_id}-dispute-balance-490"}
    drain_queues()
    text, _ = mail_parts(smtp.wait_for(3)[-1]["message"])
    assert "has been applied" in text


@pytest.mark.committed
@pytest.mark.server_only
def test_two_staff_deciding_one_dispute_at_once_one_wins_the_other_gets_409(app, login, people, make_user,
                                                                             stripe_api):
    """PostgreSQL: the claim row lock makes check-and-decide one step."""
    from concurrent.futures import ThreadPoolExecutor

    owner, _, second = people
    third = Signed(app, login, make_user("third-admin@example.com", "third-admin-password", is_admin=True))
    claim_id = claim_decided(people)
    dispute(owner, claim_id, reason="Longer.")

    def fire(signed):
        return signed.client.post(f"/api/admin/sla-credit/{claim_id}/dispute-decision",
                                  json={"outcome": "revised", "credit_amount": 980, "notes": "Two hours."},
                                  headers={"X-CSRFToken": signed.token}).status_code

    with ThreadPoolExecutor(max_workers=2) as pool:
        statuses = sorted(pool.map(fire, [second, third]))
    assert statuses == [200, 409]
    assert [t["amount"] for t in stripe_api.balance_transactions] == [-490, -490]
    db.session.expire_all()
    assert db.session.get(SlaCreditRequest, claim_id).credit_amount == 980
