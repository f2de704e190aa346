"""Issue 21, point 6 ("one truth about a credit"), each finding tried again as a new user would: staff approve
a $4.90 credit in the console while Stripe is not configured (so the credit stays pending)."""
from __future__ import annotations

import re
from datetime import timedelta

from app.extensions import db
from app.models import SlaCreditRequest
from tests.support.services import mail_parts
from tests.test_sla.conftest import Signed, payload
from tests.test_sla.monthly import api_down, monitor, past_period, subscription_with_period

STRIPE_WARNING = "Stripe is not configured"


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_after_an_approval_every_page_and_the_email_tell_the_same_credit_state(app, login, user, admin, smtp,
                                                                             drain_queues):
    app.config["STRIPE_API_KEY"] = None
    owner, staff = Signed(app, login, user), Signed(app, login, admin)
    start, end = past_period()
    outage = start + timedelta(days=4)
    sub = subscription_with_period(user)
    monitor(start, end, [api_down(outage, 60)])
    # The plan reads "/ month" on the form, as /pricing says it, never "/period".
    form = owner.get("/sla-credits").get_data(as_text=True)
    assert "$49.00 / month" in form and "/period" not in form
    claim_id = owner.post("/api/support/sla-credit", json=payload(sub, outage, outage + timedelta(hours=1), 60)
                          ).get_json()["request"]["id"]

    page = staff.get(f"/admin/sla-credits/claim/{claim_id}").get_data(as_text=True)
    # The credit is asked for and capped in currency units with the currency, not in cents.
    assert 'value="4.90"' in page and "e.g. 4.90" in page
    assert re.search(r"at most \$49\.00 USD", _text(page)) and "at most 4900" not in page
    assert _text(page).count(STRIPE_WARNING) == 1  # on the decision form, before deciding

    decided = staff.post(f"/admin/sla-credits/claim/{claim_id}", data={
        "csrf_token": staff.token, "status": "approved", "credit_amount": "4.90", "notes": "An hour down.",
        "credit_method": "balance", "stripe_ref": ""}, follow_redirects=True)
    html = _text(decided.get_data(as_text=True))
    assert decided.status_code == 200
    assert html.count(STRIPE_WARNING) == 1, html  # once: beside the retry button, not in the message too
    assert "approved: credit pending, not issued yet" in html and "The email to the user is queued." in html
    assert "has been emailed" not in html and "Email: queued, not sent yet" in html
    assert db.session.get(SlaCreditRequest, claim_id).credit_state == "pending"

    drain_queues()
    text, body_html = mail_parts(smtp.wait_for(1)[-1]["message"])
    for body in (text, _text(body_html)):
        assert "decision: approved" in body.lower() and "$4.90" in body and "it is not on your account yet" in body
        assert "no credit is due" not in body and "has been applied" not in body

    mine = _text(owner.get("/sla-credits").get_data(as_text=True))
    assert "approved" in mine and "$4.90" in mine
    assert "Credit pending: approved but not on your account yet" in mine
