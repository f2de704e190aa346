"""Approved credits through Stripe, against a local stand-in (tests/support/stripe_standin.py; localstripe
lacks the balance-transaction and credit-note endpoints) that checks paths, parameter names and types and
answers idempotency-key reuse as Stripe does."""
from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
import stripe

from app.common import billing
from app.extensions import db
from app.models import AuditLog, SlaCreditRequest
from app.sla import credit, periods
from tests.support.services import mail_parts
from tests.test_sla.conftest import Signed, payload
from tests.test_sla.monthly import MONTHLY, api_down, monitor, past_period, subscription_with_period


@pytest.fixture
def staff(app, login, admin):
    signed = Signed(app, login, admin)
    signed.decide = lambda claim_id, **body: signed.post(f"/api/admin/sla-credit/{claim_id}/decision", json=body)
    signed.retry = lambda claim_id, **body: signed.post(f"/api/admin/sla-credit/{claim_id}/credit/retry", json=body)
    return signed


def _claim(app, login, user, currency="USD", price=MONTHLY, invoices=None):
    """A claim for an hour down in the past billing period (suggested: 10 % of the period's charge)."""
    start, end = past_period()
    outage = start + timedelta(days=4)
    sub = subscription_with_period(user, currency=currency, price=price,
                                   invoices=invoices or (("paid", price),))
    monitor(start, end, [api_down(outage, 60)])
    owner = Signed(app, login, user)
    res = owner.post("/api/support/sla-credit", json=payload(sub, outage, outage + timedelta(hours=1), 60))
    assert res.status_code == 201, res.get_json()
    return res.get_json()["request"]["id"]


def _mail_text(smtp, drain_queues, count=1):
    drain_queues()
    return mail_parts(smtp.wait_for(count)[-1]["message"])[0]


def test_default_credit_is_a_customer_balance_credit_with_the_claim_in_metadata(app, login, user, staff, stripe_api,
                                                                                smtp, drain_queues):
    claim_id = _claim(app, login, user)
    res = staff.decide(claim_id, status="approved", credit_amount=490, notes="Sorry.")
    assert res.status_code == 200, res.get_json()
    row = res.get_json()["request"]
    assert row["credit_state"] == "issued" and row["credit_method"] == "balance"
    assert row["stripe_ref"].startswith("cbtxn_") and row["credit_amount_display"] == "$4.90"
    [txn] = stripe_api.balance_transactions
    assert (txn["customer"], txn["amount"], txn["currency"]) == ("cus_49", -490, "usd")
    assert txn["metadata"] == {"sla_claim_id": str(claim_id), "ticket_id": f"SLA-{claim_id:06d}"}
    post = next(c for c in stripe_api.calls if c["method"] == "POST")
    assert post["key"] == f"levqor-sla-{claim_id}-balance-490"
    text = _mail_text(smtp, drain_queues)
    assert "$4.90" in text and "has been applied" in text
    assert "99.861%" in text and "10% of what the period cost ($49.00)" in text  # the computation in plain words
    db.session.expire_all()
    assert db.session.get(SlaCreditRequest, claim_id).emailed_at is not None
    # A repeated click never credits twice: the claim is no longer pending, and the retry has nothing to do.
    assert staff.decide(claim_id, status="approved", credit_amount=490).status_code == 409
    assert staff.retry(claim_id).status_code == 409
    assert len(stripe_api.balance_transactions) == 1


def test_issuing_again_with_the_same_key_replays_instead_of_crediting_twice(app, login, user, staff, stripe_api):
    """E.g. our own commit failed after Stripe answered: the second call gets Stripe's first answer."""
    claim_id = _claim(app, login, user)
    staff.decide(claim_id, status="approved", credit_amount=490)
    claim = db.session.get(SlaCreditRequest, claim_id)
    first = claim.stripe_ref
    credit.issue(claim, "balance", period=periods.period_of(claim))
    assert claim.stripe_ref == first and len(stripe_api.balance_transactions) == 1


def test_a_reused_key_with_other_parameters_is_an_idempotency_error_as_at_stripe(app, stripe_api):
    billing.credit_customer_balance("cus_49", 490, "USD", description="x", metadata={}, idempotency_key="k1")
    with pytest.raises(stripe.IdempotencyError, match="same parameters"):
        billing.credit_customer_balance("cus_49", 400, "USD", description="x", metadata={}, idempotency_key="k1")
    assert len(stripe_api.balance_transactions) == 1


def test_credit_note_on_a_paid_invoice_credits_the_balance(app, login, user, staff, stripe_api):
    claim_id = _claim(app, login, user)
    res = staff.decide(claim_id, status="approved", credit_amount=490, credit_method="credit_note")
    assert res.get_json()["request"]["credit_state"] == "issued", res.get_json()["request"]["credit_error"]
    post = next(c for c in stripe_api.calls if c["path"] == "/v1/credit_notes")
    assert post["params"]["invoice"] == "in_49_0"
    assert post["params"]["amount"] == "490" and post["params"]["credit_amount"] == "490"
    assert post["key"] == f"levqor-sla-{claim_id}-credit_note-490"


def test_a_decision_reads_the_billing_period_once(app, login, user, staff, stripe_api, monkeypatch):
    """The amount check and the credit note use one reading of the billing period, not one each."""
    claim_id = _claim(app, login, user)
    read, period_of = [], periods.period_of
    monkeypatch.setattr(periods, "period_of", lambda claim: read.append(claim.id) or period_of(claim))
    res = staff.decide(claim_id, status="approved", credit_amount=490, credit_method="credit_note")
    assert res.get_json()["request"]["credit_state"] == "issued", res.get_json()["request"]["credit_error"]
    assert read == [claim_id]


def test_credit_note_on_an_open_invoice_reduces_the_amount_due(app, login, user, staff, stripe_api):
    claim_id = _claim(app, login, user, invoices=(("open", MONTHLY),))
    stripe_api.invoices["in_49_0"] = {"status": "open", "amount_remaining": MONTHLY, "customer": "cus_49"}
    res = staff.decide(claim_id, status="approved", credit_amount=490, credit_method="credit_note")
    assert res.get_json()["request"]["credit_state"] == "issued", res.get_json()["request"]["credit_error"]
    post = next(c for c in stripe_api.calls if c["path"] == "/v1/credit_notes")
    assert "credit_amount" not in post["params"] and post["params"]["amount"] == "490"
    assert stripe_api.invoices["in_49_0"]["amount_remaining"] == MONTHLY - 490


def test_a_refused_credit_is_pending_never_emailed_as_applied_and_a_corrected_retry_works(
        app, login, user, staff, stripe_api, smtp, drain_queues):
    claim_id = _claim(app, login, user)
    stripe_api.refuse_next("/balance_transactions", "Customer cus_49 has no default currency set.")
    res = staff.decide(claim_id, status="approved", credit_amount=490)
    assert res.status_code == 200
    row = res.get_json()["request"]
    assert row["status"] == "approved" and row["credit_state"] == "pending" and row["stripe_ref"] is None
    assert "no default currency" in row["credit_error"]
    text = _mail_text(smtp, drain_queues)
    assert "not on your account yet" in text and "has been applied" not in text

    html = staff.get(f"/admin/sla-credits/claim/{claim_id}").get_data(as_text=True)
    assert 'id="retry-credit"' in html and "no default currency" in html
    assert "pending" in staff.get("/admin/sla-credits/").get_data(as_text=True)

    # The same request again: Stripe replays its stored refusal for that key, so it stays pending…
    assert staff.retry(claim_id).get_json()["request"]["credit_state"] == "pending"
    # …while a corrected one (another amount) is a new key and goes through at once, not 24 h later.
    res = staff.retry(claim_id, credit_amount=480)
    row = res.get_json()["request"]
    assert row["credit_state"] == "issued" and row["credit_amount"] == 480 and row["credit_error"] is None
    keys = [c["key"] for c in stripe_api.calls if c["method"] == "POST"]
    assert keys == [f"levqor-sla-{claim_id}-balance-490"] * 2 + [f"levqor-sla-{claim_id}-balance-480"]
    assert [t["amount"] for t in stripe_api.balance_transactions] == [-480]
    text = _mail_text(smtp, drain_queues, 2)
    assert "has been applied" in text and "$4.80" in text
    actions = [a.action for a in db.session.query(AuditLog).order_by(AuditLog.id) if a.action.startswith("sla.credit")]
    assert actions == ["sla.credit_pending", "sla.credit_pending", "sla.credit_issued"]


def test_without_a_stripe_key_the_credit_is_pending_until_recorded_by_hand(app, login, user, staff, smtp,
                                                                           drain_queues):
    assert not app.config.get("STRIPE_API_KEY")
    claim_id = _claim(app, login, user)
    row = staff.decide(claim_id, status="approved", credit_amount=490).get_json()["request"]
    assert row["credit_state"] == "pending" and "not configured" in row["credit_error"]
    assert "not on your account yet" in _mail_text(smtp, drain_queues)
    res = staff.retry(claim_id, credit_method="bogus")
    assert res.status_code == 422 and "credit_method" in res.get_json()["fields"]
    row = staff.retry(claim_id, credit_method="manual", stripe_ref="ccn_by_hand_7").get_json()["request"]
    assert (row["credit_state"], row["credit_method"], row["stripe_ref"]) == ("issued", "manual", "ccn_by_hand_7")


def test_below_the_minimum_credit_approval_says_so(app, login, user, staff):
    claim_id = _claim(app, login, user)
    res = staff.decide(claim_id, status="approved", credit_amount=99)
    assert res.status_code == 422 and "minimum credit of $1.00" in res.get_json()["fields"]["credit_amount"]
    assert db.session.get(SlaCreditRequest, claim_id).status == "pending"


def test_yen_amounts_have_no_decimal_part_in_api_admin_email_and_stripe(app, login, user, staff, stripe_api, smtp,
                                                                       drain_queues):
    stripe_api.invoices["in_49_0"]["currency"] = "jpy"
    claim_id = _claim(app, login, user, currency="JPY", price=4900)
    row = staff.get(f"/api/admin/sla-credit/{claim_id}").get_json()["request"]
    assert row["suggested_credit_amount"] == 490 and row["suggested_credit_display"] == "¥490"
    assert row["period_charge_display"] == "¥4,900"
    url = f"/admin/sla-credits/claim/{claim_id}"
    html = staff.get(url).get_data(as_text=True)
    assert 'value="490"' in html and "¥4,900" in html and "49.00" not in html
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    res = staff.post(url, data={"csrf_token": token, "status": "approved", "credit_amount": "490.5",
                                "credit_method": "balance"})
    assert res.status_code == 422 and "JPY has no decimal part" in res.get_data(as_text=True)
    res = staff.post(url, data={"csrf_token": token, "status": "approved", "credit_amount": "490",
                                "credit_method": "balance"})
    assert res.status_code == 302
    [txn] = stripe_api.balance_transactions
    assert (txn["amount"], txn["currency"]) == (-490, "jpy")
    text = _mail_text(smtp, drain_queues)
    assert "¥490" in text and "¥4,900" in text and "JPY" not in text


def test_a_corrected_retry_after_a_timeout_finds_the_earlier_credit_and_creates_no_second(
        app, login, user, staff, stripe_api, monkeypatch):
    """Issue 28: Stripe carried out the first credit but answered after our timeout; staff retry with
    another amount. The retry asks Stripe by the claim's metadata first and records what is there."""
    monkeypatch.setitem(app.config, "STRIPE_TIMEOUT", 1)
    claim_id = _claim(app, login, user)
    stripe_api.answer_late_next("/balance_transactions", 2)
    row = staff.decide(claim_id, status="approved", credit_amount=490).get_json()["request"]
    assert row["credit_state"] == "pending" and "Stripe refused the credit" in row["credit_error"]
    assert [t["amount"] for t in stripe_api.balance_transactions] == [-490]  # it happened all the same
    time.sleep(1.5)  # the stand-in answers one request at a time: let it finish the late answer

    row = staff.retry(claim_id, credit_amount=480).get_json()["request"]
    assert row["credit_state"] == "issued", row["credit_error"]
    assert row["credit_amount"] == 490  # what Stripe really credited
    assert row["stripe_ref"] == stripe_api.balance_transactions[0]["id"]
    assert [t["amount"] for t in stripe_api.balance_transactions] == [-490]  # no second credit
    posts = [c for c in stripe_api.calls if c["method"] == "POST"]
    assert len(posts) == 1
