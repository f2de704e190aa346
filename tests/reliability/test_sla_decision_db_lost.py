"""Issue 28.7: the database stops right after an SLA decision was committed, on a private PostgreSQL with the
Stripe stand-in. The answer says what was saved and what the credit did (never "Nothing was changed"); once
the database is back the claim shows the decision, and a retry of the credit records what Stripe already
holds instead of crediting twice."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event

from app.extensions import db
from tests.support.factories import make_user
from tests.test_sla.conftest import Signed, payload
from tests.test_sla.monthly import MONTHLY, api_down, monitor, past_period, subscription_with_period

pytestmark = [pytest.mark.server_only, pytest.mark.committed]


@pytest.fixture
def sla_on_private_pg(make_fault_app, private_pg, httpserver, login):
    from tests.support.stripe_standin import StripeStandIn

    cluster, url = private_pg
    stripe_api = StripeStandIn(httpserver)
    stripe_api.invoices["in_49_0"] = {"status": "paid", "amount_paid": MONTHLY, "amount_remaining": 0,
                                      "customer": "cus_49", "currency": "usd"}
    fault_app = make_fault_app(migrate=True, SQLALCHEMY_DATABASE_URI=url, STRIPE_API_KEY="sk_test_levqor",
                               STRIPE_API_BASE=httpserver.url_for("").rstrip("/"))
    with fault_app.app_context():
        user = make_user("decided@example.com", "decided-password")
        admin = make_user("decider@example.com", "decider-password", is_admin=True)
        start, end = past_period()
        outage = start + timedelta(days=4)
        sub = subscription_with_period(user)
        monitor(start, end, [api_down(outage, 60)])
        owner = Signed(fault_app, login, user)
        res = owner.post("/api/support/sla-credit", json=payload(sub, outage, outage + timedelta(hours=1), 60))
        assert res.status_code == 201, res.get_json()
        staff = Signed(fault_app, login, admin)
        staff.owner, staff.app, staff.login = owner, fault_app, login
        yield cluster, stripe_api, staff, res.get_json()["request"]["id"]


def _decide(staff, claim_id):
    return staff.post(f"/api/admin/sla-credit/{claim_id}/decision", json={"status": "approved", "credit_amount": 490})


def _saved_not_nothing(res, credit_state: str) -> dict:
    body = res.get_json()
    assert res.status_code == 503 and int(res.headers["Retry-After"]) > 0, (res.status_code, body)
    assert body["error"] == "decision_recorded" and "Nothing was changed" not in body["message"]
    assert "approved with a credit of $4.90: that decision is saved" in body["message"]
    assert body["decision"]["status"] == "approved" and body["decision"]["credit_amount"] == 490
    assert body["credit"]["state"] == credit_state
    return body


def test_database_gone_after_the_stripe_credit_says_the_credit_was_made_and_a_retry_records_it(sla_on_private_pg):
    cluster, stripe_api, staff, claim_id = sla_on_private_pg
    stripe_api.after_next("/balance_transactions", cluster.stop)  # Stripe credits, then our database is gone

    body = _saved_not_nothing(_decide(staff, claim_id), "made_not_recorded")
    [txn] = stripe_api.balance_transactions
    assert body["credit"]["stripe_ref"] == txn["id"] and txn["id"] in body["message"]
    assert "retry the credit once the database is back" in body["message"]

    cluster.start()
    row = staff.get(f"/api/admin/sla-credit/{claim_id}").get_json()["request"]
    assert row["status"] == "approved" and row["credit_state"] == "pending"  # the decision survived
    assert _decide(staff, claim_id).status_code == 409  # deciding again is refused, as the answer said
    row = staff.post(f"/api/admin/sla-credit/{claim_id}/credit/retry", json={}).get_json()["request"]
    assert row["credit_state"] == "issued" and row["stripe_ref"] == txn["id"]
    assert [t["amount"] for t in stripe_api.balance_transactions] == [-490]  # credited once


def test_database_gone_right_after_the_commit_says_the_credit_was_not_attempted(sla_on_private_pg):
    cluster, stripe_api, staff, claim_id = sla_on_private_pg
    stopped = []

    def stop_once(session):
        if not stopped:
            stopped.append(True)
            cluster.stop()

    event.listen(db.session, "after_commit", stop_once)  # the decision's commit is the request's first
    try:
        body = _saved_not_nothing(_decide(staff, claim_id), "not_attempted")
    finally:
        event.remove(db.session, "after_commit", stop_once)
    assert stripe_api.balance_transactions == [] and "not attempted" in body["message"]

    cluster.start()
    row = staff.post(f"/api/admin/sla-credit/{claim_id}/credit/retry", json={}).get_json()["request"]
    assert row["credit_state"] == "issued" and [t["amount"] for t in stripe_api.balance_transactions] == [-490]


def test_database_gone_after_a_revised_disputes_credit_says_the_difference_was_made(sla_on_private_pg):
    cluster, stripe_api, staff, claim_id = sla_on_private_pg
    assert _decide(staff, claim_id).status_code == 200
    disputed = staff.owner.post(f"/api/support/sla-credit/{claim_id}/dispute", json={"reason": "Three hours."})
    assert disputed.status_code == 201, disputed.get_json()
    second = Signed(staff.app, staff.login, make_user("second-decider@example.com", "second-decider-password",
                                                      is_admin=True))
    stripe_api.after_next("/balance_transactions", cluster.stop)

    res = second.post(f"/api/admin/sla-credit/{claim_id}/dispute-decision",
                      json={"outcome": "revised", "credit_amount": 1225, "notes": "The workflows were down too."})
    body = res.get_json()
    assert res.status_code == 503 and body["error"] == "decision_recorded", body
    assert body["message"].startswith(f"The dispute of SLA-{claim_id:06d} was revised with a credit of $7.35: that "
                                      "decision is saved") and "Nothing was changed" not in body["message"]
    assert body["credit"] == {"state": "made_not_recorded", "stripe_ref": stripe_api.balance_transactions[-1]["id"]}

    cluster.start()
    row = second.post(f"/api/admin/sla-credit/{claim_id}/dispute-credit/retry", json={}).get_json()["request"]
    assert row["dispute"]["status"] == "revised" and row["dispute"]["credit_state"] == "issued"
    assert [t["amount"] for t in stripe_api.balance_transactions] == [-490, -735]  # the difference once
