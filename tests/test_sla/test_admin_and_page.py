"""The Flask-Admin queue (/admin/sla-credits) and the public page (/sla-credits)."""
from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from app.extensions import db
from app.models import AuditLog, SlaCreditRequest
from app.models.types import utcnow
from tests.test_sla.conftest import Signed, fresh_csrf, make_subscription, payload, seed_snapshots


@pytest.fixture
def filed(app, login, user, sub, window):
    seed_snapshots(window[0], {m: ("down" if m <= 30 else "up") for m in range(5, 121, 5)})
    owner = Signed(app, login, user)
    res = owner.post("/api/support/sla-credit", json=payload(sub, *window, minutes=45))
    assert res.status_code == 201, res.get_json()
    owner.claim = db.session.get(SlaCreditRequest, res.get_json()["request"]["id"])
    return owner


@pytest.fixture
def staff(app, login, admin):
    return Signed(app, login, admin)


def _filter_arg(app, name: str) -> str:
    view = next(v for v in app.extensions["admin"][0]._views if getattr(v, "endpoint", "") == "sla_credits")
    index = next(i for i, f in enumerate(view._filters) if str(f.name) == name)
    return f"flt0_{view.get_filter_arg(index, view._filters[index])}"


def test_admin_list_shows_claimed_beside_measured_and_filters(app, filed, staff, make_user):
    other = make_user("second@example.com")
    other_claim = SlaCreditRequest(user_id=other.id, subscription_id=make_subscription(other).id, plan="starter",
                                   period_start=utcnow() - timedelta(days=2), period_end=utcnow() - timedelta(days=1),
                                   claimed_downtime_minutes=5, description="x", status="rejected")
    db.session.add(other_claim)
    db.session.commit()

    page = staff.get("/admin/sla-credits/").get_data(as_text=True)
    assert filed.claim.ticket_id in page and other_claim.ticket_id in page
    # The queue shows the billing period's measurement beside the claim (30 of 28,920 available minutes).
    assert "claimed 45 min · measured down 30 min in the billing period" in page
    assert "99.896% ⚠ untrusted (no data)" in page and "$720.00" in page
    sub = filed.claim.subscription
    assert f"{sub.current_period_start:%Y-%m-%d} – {sub.current_period_end:%Y-%m-%d}" in page
    # The plan filter offers the known plans, not free text.
    groups = json.loads(re.search(r'id="filter-groups-data"[^>]*>([^<]+)<', page).group(1))
    assert groups["Plan"][0]["options"] == [[p["code"], p["name"]] for p in app.config["PLANS"]]

    def listed(name, value):
        html = staff.get(f"/admin/sla-credits/?{_filter_arg(app, name)}={value}").get_data(as_text=True)
        return set(re.findall(r"SLA-\d{6}", html))

    assert listed("Status", "pending") == {filed.claim.ticket_id}
    assert listed("Status", "rejected") == {other_claim.ticket_id}
    assert listed("Plan", "starter") == {other_claim.ticket_id}
    assert listed("Email", "USER@example.com") == {filed.claim.ticket_id}


def test_claim_page_shows_the_computation_and_decides(filed, staff, smtp, drain_queues):
    url = f"/admin/sla-credits/claim/{filed.claim.id}"
    html = staff.get(url).get_data(as_text=True)
    assert "Monthly uptime of the billing period" in html and "99.896%" in html
    assert "below 99.9% → 10%" in html and "$720.00" in html and "$7,200.00" in html  # 10 % of the period's charge
    assert 'id="untrusted"' in html  # two monitored hours out of ten days
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    # A clear default: the measurement suggests a credit, so "approve" is preselected with it.
    assert re.search(r'<input[^>]*checked[^>]*value="approved"|<input[^>]*value="approved"[^>]*checked', html)
    res = staff.post(url, data={"csrf_token": token})  # nothing chosen: an error, not a 200
    assert res.status_code == 422
    res = staff.post(url, data={"csrf_token": token, "status": "rejected", "notes": ""})
    assert res.status_code == 422 and "the user reads this" in res.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(SlaCreditRequest, filed.claim.id).status == "pending"

    res = staff.post(url, data={"csrf_token": token, "status": "approved", "credit_amount": "20.005",
                                "notes": "Sorry about that."})
    assert res.status_code == 422 and "at most 2 decimals" in res.get_data(as_text=True)
    res = staff.post(url, data={"csrf_token": token, "status": "approved", "credit_amount": "20.00",
                                "credit_method": "manual", "stripe_ref": "cn_manual_42", "notes": "Sorry about that."})
    assert res.status_code == 302
    db.session.expire_all()
    claim = db.session.get(SlaCreditRequest, filed.claim.id)
    assert (claim.status, claim.credit_amount, claim.stripe_ref) == ("approved", 2000, "cn_manual_42")
    html = staff.get(url).get_data(as_text=True)
    assert "decision-form" not in html and "cn_manual_42" in html
    drain_queues()
    assert smtp.wait_for(1)[0]["subject"].endswith("was approved")

    # A second decision through the form is refused.
    res = staff.post(url, data={"csrf_token": token, "status": "rejected", "notes": "late"})
    assert res.status_code == 409


def test_admin_pages_are_admin_only(app, filed, client):
    fresh_csrf()
    res = filed.get("/admin/sla-credits/")
    assert res.status_code == 403
    assert filed.get(f"/admin/sla-credits/claim/{filed.claim.id}").status_code == 403
    anon = app.test_client()
    fresh_csrf()
    res = anon.get("/admin/sla-credits/")
    assert res.status_code == 302 and "/signin" in res.headers["Location"]


def test_public_page_explains_the_sla_and_lists_own_claims(app, filed, client):
    fresh_csrf()
    anon = client.get("/sla-credits").get_data(as_text=True)
    assert "below 99.9%" in anon and "10% of what you paid for that billing period" in anon
    assert "Sign in to file a claim" in anon and "api, database, workflows" in anon and "Stripe" in anon
    assert "SLA-" not in anon
    html = filed.get("/sla-credits").get_data(as_text=True)
    assert 'id="sla-form"' in html and "Pro · $7,200.00 / month" in html
    assert filed.claim.ticket_id in html and "pending" in html


def test_page_without_active_subscription_says_so(app, login, make_user):
    lonely = Signed(app, login, make_user("lonely@example.com"))
    html = lonely.get("/sla-credits").get_data(as_text=True)
    assert "no active subscription" in html and 'id="sla-form"' not in html


def test_staff_can_measure_a_pending_claim_again_when_snapshots_arrive_late(app, login, user, sub, window, staff):
    owner = Signed(app, login, user)
    claim_id = owner.post("/api/support/sla-credit", json=payload(sub, *window)).get_json()["request"]["id"]
    row = staff.get(f"/api/admin/sla-credit/{claim_id}").get_json()["request"]
    assert row["measured_downtime_minutes"] == 0 and row["computation"]["no_data_minutes"] == 10 * 1440

    seed_snapshots(window[0], {m: ("down" if m <= 60 else "up") for m in range(5, 121, 5)})
    url = f"/admin/sla-credits/claim/{claim_id}"
    token = re.search(r'name="csrf_token" value="([^"]+)"', staff.get(url).get_data(as_text=True)).group(1)
    res = staff.post(f"{url}/remeasure", data={"csrf_token": token})
    assert res.status_code == 302
    row = staff.get(f"/api/admin/sla-credit/{claim_id}").get_json()["request"]
    assert row["measured_downtime_minutes"] == 60 and row["computation"]["no_data_minutes"] == 10 * 1440 - 120
    assert row["monthly_uptime_percent"] == round((28_920 - 60) / 28_920 * 100, 4)
    assert row["suggested_credit_amount"] == 72_000
    audit = db.session.query(AuditLog).filter_by(action="sla.remeasured").one()
    assert audit.details["down_minutes_before"] == 0 and audit.details["down_minutes_after"] == 60

    assert staff.post(f"/api/admin/sla-credit/{claim_id}/decision",
                      json={"status": "rejected", "notes": "no"}).status_code == 200
    res = staff.post(f"/api/admin/sla-credit/{claim_id}/remeasure")
    assert res.status_code == 409
