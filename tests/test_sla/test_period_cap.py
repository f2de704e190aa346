"""Money that adds up (issue 21, point 3): the credited total of one subscription's billing period, across
every claim and dispute, never exceeds what the period cost; staff are told what was already credited."""
from __future__ import annotations

import re
from datetime import timedelta

from app.extensions import db
from app.models import SlaCreditRequest
from tests.test_sla.conftest import Signed, payload
from tests.test_sla.monthly import MONTHLY, past_period, subscription_with_period


def _three_claims(owner, user):
    """Three claims for three outages of one $49 billing period (no monitoring needed for the cap)."""
    start, _ = past_period()
    sub = subscription_with_period(user)
    ids = []
    for day in (3, 5, 7):
        outage = start + timedelta(days=day)
        res = owner.post("/api/support/sla-credit", json=payload(sub, outage, outage + timedelta(hours=1), 60))
        assert res.status_code == 201, res.get_json()
        ids.append(res.get_json()["request"]["id"])
    return ids


def test_three_claims_in_one_period_never_credit_more_than_its_charge(app, login, user, admin, make_user):
    owner, staff = Signed(app, login, user), Signed(app, login, admin)
    a, b, c = _three_claims(owner, user)
    decide = lambda cid, amount: staff.post(f"/api/admin/sla-credit/{cid}/decision",  # noqa: E731
                                            json={"status": "approved", "credit_amount": amount, "notes": "ok"})
    assert decide(a, 4000).status_code == 200
    res = decide(b, 1000)
    assert res.status_code == 422
    message = res.get_json()["fields"]["credit_amount"]
    assert message == "At most $9.00: the billing period cost $49.00 and $40.00 of it was already credited."
    assert db.session.get(SlaCreditRequest, b).status == "pending"
    assert decide(b, 900).status_code == 200
    res = decide(c, 100)  # 4900 already credited: nothing is left, whatever the amount
    assert res.status_code == 422 and "At most $0.00" in res.get_json()["fields"]["credit_amount"]

    # The decision form says what was already credited, in currency units with the currency.
    html = staff.get(f"/admin/sla-credits/claim/{c}").get_data(as_text=True)
    assert "Already credited for this billing period" in html and "$49.00" in html
    assert "at most 4900" not in html

    # A revised dispute is held to the same cap: claim a may rise only by what is left (nothing here).
    owner.post(f"/api/support/sla-credit/{a}/dispute", json={"reason": "It was worse."})
    second = Signed(app, login, make_user("second@example.com", "second-password", is_admin=True))
    res = second.post(f"/api/admin/sla-credit/{a}/dispute-decision",
                      json={"outcome": "revised", "credit_amount": 4100, "notes": "More."})
    assert res.status_code == 422 and "already credited" in res.get_json()["fields"]["credit_amount"]
    credited = sum(db.session.get(SlaCreditRequest, i).credit_amount or 0 for i in (a, b, c))
    assert credited == MONTHLY


def test_the_suggestion_tops_up_what_the_period_already_credited(app, login, user, admin):
    owner, staff = Signed(app, login, user), Signed(app, login, admin)
    a, b, _ = _three_claims(owner, user)
    staff.post(f"/api/admin/sla-credit/{a}/decision", json={"status": "approved", "credit_amount": 4500})
    staff.post(f"/api/admin/sla-credit/{b}/remeasure")
    row = staff.get(f"/api/admin/sla-credit/{b}").get_json()["request"]
    assert row["computation"]["credited_before"] == 4500
    html = staff.get(f"/admin/sla-credits/claim/{b}").get_data(as_text=True)
    assert re.search(r"Already credited for this billing period.*\$45\.00", html, re.S)
