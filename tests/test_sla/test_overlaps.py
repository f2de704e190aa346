"""Claims list the incidents (and maintenance) we recorded in the claimed window: for the customer while
filing, for staff while deciding. And the customer reads the decision's computation in plain words."""
from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.models import Incident
from tests.test_sla.conftest import Signed, payload, seed_snapshots


def _incident(title, start, end, components=("api",), impact="major"):
    db.session.add(Incident(title=title, status="resolved" if end else "investigating", impact=impact,
                            components=list(components), started_at=start, resolved_at=end, message="x"))
    db.session.commit()


def test_filing_shows_the_incidents_overlapping_the_window(app, login, user, window):
    start, end = window
    _incident("API errors", start + timedelta(minutes=10), start + timedelta(minutes=50))
    _incident("Still open", start - timedelta(days=1), None, components=(), impact="minor")
    _incident("Before the window", start - timedelta(hours=5), start - timedelta(hours=4))
    owner = Signed(app, login, user)
    res = owner.get("/api/support/sla-credit/overlaps",
                    query_string={"period_start": start.isoformat(), "period_end": end.isoformat()})
    assert res.status_code == 200
    body = res.get_json()
    assert [i["title"] for i in body["incidents"]] == ["Still open", "API errors"]
    assert body["incidents"][1]["components"] == ["api"] and body["incidents"][1]["resolved_at"].endswith("Z")
    assert body["maintenances"] == []


def test_overlaps_need_a_sane_window_and_a_signed_in_user(app, login, user, client, window):
    start, end = window
    assert client.get("/api/support/sla-credit/overlaps").status_code == 401
    owner = Signed(app, login, user)
    for query in ({}, {"period_start": "soon", "period_end": end.isoformat()},
                  {"period_start": end.isoformat(), "period_end": start.isoformat()},
                  {"period_start": (start - timedelta(days=90)).isoformat(), "period_end": end.isoformat()}):
        res = owner.get("/api/support/sla-credit/overlaps", query_string=query)
        assert res.status_code == 422 and res.get_json()["ok"] is False and res.get_json()["fields"], query


def test_staff_see_the_overlapping_incidents_beside_the_claim(app, login, user, admin, sub, window):
    start, end = window
    _incident("Database failover", start + timedelta(minutes=30), start + timedelta(minutes=45),
              components=("database",))
    owner = Signed(app, login, user)
    claim_id = owner.post("/api/support/sla-credit", json=payload(sub, start, end)).get_json()["request"]["id"]
    staff = Signed(app, login, admin)
    body = staff.get(f"/api/admin/sla-credit/{claim_id}").get_json()
    assert [i["title"] for i in body["overlapping"]["incidents"]] == ["Database failover"]
    html = staff.get(f"/admin/sla-credits/claim/{claim_id}").get_data(as_text=True)
    assert "Database failover" in html and 'id="overlapping-events"' in html


def test_the_customer_reads_the_computation_in_plain_words_after_the_decision(app, login, user, admin, sub, window):
    seed_snapshots(window[0], {m: "up" for m in range(5, 121, 5)})
    owner = Signed(app, login, user)
    claim_id = owner.post("/api/support/sla-credit", json=payload(sub, *window)).get_json()["request"]["id"]
    [mine] = owner.get("/api/support/sla-credit").get_json()["requests"]
    assert mine["explanation"] is None and "computation" not in mine  # nothing until staff decide
    staff = Signed(app, login, admin)
    staff.post(f"/api/admin/sla-credit/{claim_id}/decision", json={"status": "rejected", "notes": "No outage seen."})
    [mine] = owner.get("/api/support/sla-credit").get_json()["requests"]
    assert mine["explanation"].startswith("Monthly uptime") and "That is within the SLA." in mine["explanation"]
    assert "within the SLA" in owner.get("/sla-credits").get_data(as_text=True)


def test_the_admin_api_plan_filter_takes_known_plans_only(app, login, admin):
    staff = Signed(app, login, admin)
    assert staff.get("/api/admin/sla-credit?plan=pro").status_code == 200
    res = staff.get("/api/admin/sla-credit?plan=pro%27%20OR%201=1")
    assert res.status_code == 422 and "plan" in res.get_json()["fields"]
