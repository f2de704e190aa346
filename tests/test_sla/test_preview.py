"""The measurement the customer can check (issue 21, point 5): the preview answers exactly what staff see
after filing, under filing's 404/422 rules, and every claim carries the customer's runs in its window."""
from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.models import Workflow, WorkflowRun
from tests.test_sla.conftest import Signed, payload
from tests.test_sla.monthly import api_down, monitor, past_period, subscription_with_period

FIGURES = ("billing_period_start", "billing_period_end", "period_charge", "monthly_uptime_percent",
           "measured_downtime_minutes", "suggested_credit_amount", "currency")


def _runs(user, outage, statuses):
    wf = Workflow(user_id=user.id, name="sync", definition={})
    db.session.add(wf)
    db.session.flush()
    for n, status in enumerate(statuses):
        db.session.add(WorkflowRun(workflow_id=wf.id, user_id=user.id, status=status,
                                   started_at=outage + timedelta(minutes=5 * n)))
    db.session.add(WorkflowRun(workflow_id=wf.id, user_id=user.id, status="failed",
                               started_at=outage - timedelta(hours=2)))  # outside the window
    db.session.commit()


def test_the_preview_is_what_staff_see_and_runs_are_the_customers_evidence(app, login, user, admin, make_user):
    start, end = past_period()
    outage = start + timedelta(days=4)
    sub = subscription_with_period(user)
    monitor(start, end, [api_down(outage, 60)])
    _runs(user, outage, ["failed", "error", "succeeded", "failed"])
    owner, staff = Signed(app, login, user), Signed(app, login, admin)
    window = {"subscription_id": sub.id, "period_start": outage.isoformat(),
              "period_end": (outage + timedelta(hours=1)).isoformat()}

    res = owner.get("/api/support/sla-credit/preview", query_string=window)
    assert res.status_code == 200, res.get_json()
    seen = res.get_json()
    assert seen["monthly_uptime_percent"] == 99.8611 and seen["suggested_credit_amount"] == 490
    assert seen["suggested_credit_display"] == "$4.90" and seen["no_data_percent"] == 0
    assert seen["affected_runs"] == {"total": 4, "failed": 3}

    filed = owner.post("/api/support/sla-credit", json=payload(sub, outage, outage + timedelta(hours=1), 60))
    claim_id = filed.get_json()["request"]["id"]
    row = staff.get(f"/api/admin/sla-credit/{claim_id}").get_json()["request"]
    assert {k: row[k] for k in FIGURES} == {k: seen[k] for k in FIGURES}
    assert row["affected_runs"] == {"total": 4, "failed": 3}
    mine = owner.get("/api/support/sla-credit").get_json()["requests"][0]
    assert mine["affected_runs"] == {"total": 4, "failed": 3}

    # Filing's rules: someone else's subscription is 404, a bad window 422 per field.
    stranger = Signed(app, login, make_user("stranger@example.com"))
    assert stranger.get("/api/support/sla-credit/preview", query_string=window).status_code == 404
    res = owner.get("/api/support/sla-credit/preview", query_string={**window, "period_end": "yesterday-ish"})
    assert res.status_code == 422 and "period_end" in res.get_json()["fields"]
    res = owner.get("/api/support/sla-credit/preview", query_string={"period_start": window["period_start"]})
    assert res.status_code == 422 and set(res.get_json()["fields"]) == {"subscription_id", "period_end"}
