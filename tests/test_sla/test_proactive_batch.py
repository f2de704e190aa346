"""Approving proactive drafts (issue 22, point 2): many at once through the API or the console, or by the system
(SLA_PROACTIVE=auto); each credited once through the Stripe stand-in and its customer emailed "we noticed and
credited you" once; Stripe's 429s and 500s in the middle of a batch are waited out, then left pending with a retry."""
from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.models import AuditLog, SlaCreditRequest
from app.sla import batch, proactive
from tests.support.services import mail_parts
from tests.test_sla.conftest import Signed
from tests.test_sla.monthly import api_down, monitor, past_period, subscription_with_period


def _drafts(make_user, n):
    """n customers on the $49 plan, one shared monitored month with 2 hours down: n drafts of $4.90."""
    start, end = past_period()
    monitor(start, end, [api_down(start + timedelta(days=10), 120)])
    for i in range(n):
        subscription_with_period(make_user(f"c{i}@example.com", "customer-password"))
    proactive.run()
    return [c.id for c in db.session.query(SlaCreditRequest).order_by(SlaCreditRequest.id)]


def _txns_by_claim(standin):
    return sorted(int(t["metadata"]["sla_claim_id"]) for t in standin.balance_transactions)


def test_batch_decision_credits_each_draft_once_and_emails_each_customer_once(
        app, login, admin, make_user, stripe_api, smtp, drain_queues):
    ids = _drafts(make_user, 3)
    staff = Signed(app, login, admin)
    staff.post(f"/api/admin/sla-credit/{ids[2]}/decision", json={"status": "rejected", "notes": "Our fault, not."})
    res = staff.post("/api/admin/sla-credit/batch-decision", json={"ids": [ids[0], ids[1], ids[2], 999999],
                                                                    "status": "approved"})
    assert res.status_code == 200, res.get_json()
    body = res.get_json()
    assert body["approved"] == 2
    assert body["skipped"] == [{"id": ids[2], "reason": "already_rejected"}, {"id": 999999, "reason": "not_found"}]
    drain_queues()
    drain_queues()  # the mail jobs the credit job queued
    assert _txns_by_claim(stripe_api) == ids[:2] and {t["amount"] for t in stripe_api.balance_transactions} == {-490}
    db.session.expire_all()
    for cid in ids[:2]:
        claim = db.session.get(SlaCreditRequest, cid)
        assert (claim.status, claim.credit_amount, claim.credit_state) == ("approved", 490, "issued")
        assert claim.decided_by == admin.id and claim.stripe_ref.startswith("cbtxn_")
    mails = smtp.wait_for(2)
    assert sorted(m["to"][0] for m in mails) == ["c0@example.com", "c1@example.com"]  # not the rejected c2
    assert all(m["message"]["Subject"] == "We noticed our downtime and credited you $4.90" for m in mails)
    text = mail_parts(mails[0]["message"])[0]
    assert "without you having to ask" in text and "You do not need to file a claim" in text

    again = staff.post("/api/admin/sla-credit/batch-decision", json={"ids": ids[:2], "status": "approved"})
    assert again.get_json()["approved"] == 0 and {s["reason"] for s in again.get_json()["skipped"]} == {
        "already_approved"}
    batch.sweep(force=True)
    drain_queues()
    drain_queues()
    assert len(stripe_api.balance_transactions) == 2 and len(smtp.messages) == 2  # nothing twice


def test_batch_decision_refuses_bad_input_and_changes_nothing(app, login, admin, make_user):
    ids = _drafts(make_user, 1)
    staff = Signed(app, login, admin)
    for payload, field in (({"ids": ids, "status": "rejected"}, "status"),
                           ({"ids": ["x"], "status": "approved"}, "ids"), ({"ids": [], "status": "approved"}, "ids"),
                           ({"ids": list(range(1, 1002)), "status": "approved"}, "ids")):
        res = staff.post("/api/admin/sla-credit/batch-decision", json=payload)
        assert res.status_code == 422 and field in res.get_json()["fields"], payload
    assert db.session.get(SlaCreditRequest, ids[0]).status == "pending"
    owner = Signed(app, login, make_user("nobody@example.com", "customer-password"))
    res = owner.post("/api/admin/sla-credit/batch-decision", json={"ids": ids, "status": "approved"})
    assert res.status_code == 403


def test_auto_mode_credits_and_emails_without_staff_audited_as_the_system(
        app, make_user, stripe_api, smtp, drain_queues, configure):
    configure(SLA_PROACTIVE="auto")
    [cid] = _drafts(make_user, 1)
    drain_queues()
    drain_queues()
    claim = db.session.get(SlaCreditRequest, cid)
    db.session.refresh(claim)
    assert (claim.status, claim.credit_state, claim.decided_by) == ("approved", "issued", None)
    decided = db.session.query(AuditLog).filter_by(action="sla.decided", target_id=str(cid)).one()
    assert decided.actor_id is None and decided.details["by"] == "system"
    assert _txns_by_claim(stripe_api) == [cid]
    [mail] = smtp.wait_for(1)
    assert mail["to"] == ["c0@example.com"] and "credited you $4.90" in mail["message"]["Subject"]


def test_stripe_429_and_500_mid_batch_back_off_then_stay_pending_with_a_retry(
        app, login, admin, make_user, stripe_api, smtp, drain_queues, configure):
    configure(SLA_STRIPE_BACKOFF=(1, 2))
    ids = _drafts(make_user, 4)
    result = batch.approve(ids, admin.id)
    assert result["approved"] == 4
    # claim 1 served; claim 2: 429 then served; claim 3: 500 three times (two backoffs): Stripe stays busy.
    stripe_api.script_posts("balance_transactions", [None, 429, None, 500, 500, 500])
    waits = []
    outcome = batch.issue_pending(ids, sleep=waits.append)
    assert waits == [1, 1, 2]
    assert outcome == {"issued": 2, "pending": 0, "busy": 2, "skipped": 0}
    assert _txns_by_claim(stripe_api) == ids[:2]
    db.session.expire_all()
    states = [db.session.get(SlaCreditRequest, i).credit_state for i in ids]
    assert states == ["issued", "issued", "pending", "pending"]
    assert db.session.get(SlaCreditRequest, ids[3]).credit_error.startswith(batch.BUSY)

    html = Signed(app, login, admin).get("/admin/sla-credits/").get_data(as_text=True)
    assert "2 approved credit(s) waiting for Stripe" in html and "2 pending with a retry" in html

    assert batch.sweep() == 2  # the periodic sweep queues them again; Stripe is back
    drain_queues()
    drain_queues()
    assert _txns_by_claim(stripe_api) == ids
    db.session.expire_all()
    assert all(db.session.get(SlaCreditRequest, i).credit_state == "issued" for i in ids)
    assert sorted(m["to"][0] for m in smtp.wait_for(4)) == [f"c{i}@example.com" for i in range(4)]
    assert batch.waiting_counts() == {"queued": 0, "busy": 0}


def test_the_console_lists_drafts_with_their_total_and_approves_a_selection(
        app, login, admin, make_user, stripe_api, drain_queues):
    ids = _drafts(make_user, 3)
    staff = Signed(app, login, admin)
    html = staff.get("/admin/sla-credits/").get_data(as_text=True)
    assert "Proactive credits to approve: 3" in html and "$14.70" in html
    res = staff.post("/admin/sla-credits/proactive/approve",
                     data={"csrf_token": staff.token, "scope": "selected", "ids": [str(ids[0]), str(ids[2])]})
    assert res.status_code == 302
    statuses = [db.session.get(SlaCreditRequest, i).status for i in ids]
    assert statuses == ["approved", "pending", "approved"]
    html = staff.get("/admin/sla-credits/").get_data(as_text=True)
    assert "Proactive credits to approve: 1" in html and "$4.90" in html


def test_a_credited_proactive_claim_can_be_disputed_like_any_other(app, login, admin, make_user, stripe_api,
                                                                  drain_queues):
    [cid] = _drafts(make_user, 1)
    staff = Signed(app, login, admin)
    res = staff.post("/api/admin/sla-credit/batch-decision", json={"ids": [cid], "status": "approved"})
    assert res.status_code == 200
    drain_queues()
    owner = Signed(app, login, db.session.get(SlaCreditRequest, cid).user)
    res = owner.post(f"/api/support/sla-credit/{cid}/dispute", json={"reason": "The outage lasted all afternoon."})
    assert res.status_code == 201, res.get_json()
    mine = owner.get("/api/support/sla-credit").get_json()["requests"]
    assert [(r["source"], r["credit_state"], r["dispute"]["status"]) for r in mine] == [("proactive", "issued", "open")]
