"""Issue 21, point 5: the 5-minute checks behind a claim's measurement, downloadable as CSV from the claim by
its owner (404 for anyone else) and by staff; the rows are the billing period's snapshots, and what they were
counted as adds up to the claim's measured downtime."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

from app.extensions import db
from app.models import ScheduledMaintenance, SlaCreditRequest, StatusSnapshot
from tests.test_sla.conftest import Signed, payload
from tests.test_sla.monthly import api_down, monitor, past_period, subscription_with_period


def _rows(res):
    assert res.status_code == 200, res.get_data(as_text=True)[:300]
    assert res.mimetype == "text/csv" and "attachment" in res.headers["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(res.get_data(as_text=True), newline="")))


def _claim_for_an_hour_down(owner, user):
    start, end = past_period()
    outage, work = start + timedelta(days=4), start + timedelta(days=9)
    sub = subscription_with_period(user)
    # 40 minutes of the API down during announced maintenance: excluded, not downtime.
    monitor(start, end, [api_down(outage, 60), api_down(work, 40)])
    db.session.add(ScheduledMaintenance(title="Database upgrade", components=["api"], starts_at=work,
                                        ends_at=work + timedelta(minutes=40)))
    db.session.commit()
    res = owner.post("/api/support/sla-credit", json=payload(sub, outage, outage + timedelta(hours=1), 60))
    assert res.status_code == 201, res.get_json()
    return db.session.get(SlaCreditRequest, res.get_json()["request"]["id"]), start, end, outage, work


def test_the_csv_is_the_snapshots_of_the_billing_period_and_adds_up_to_the_measurement(app, login, user, admin,
                                                                                      make_user):
    owner = Signed(app, login, user)
    claim, start, end, outage, work = _claim_for_an_hour_down(owner, user)
    assert claim.measured_downtime_minutes == 60

    rows = _rows(owner.get(f"/api/support/sla-credit/{claim.id}/checks.csv"))
    snapshots = db.session.query(StatusSnapshot).order_by(StatusSnapshot.ts).all()
    assert len(rows) == len(snapshots) == 30 * 288  # one row per 5-minute check of the 30-day period
    assert list(rows[0]) == ["checked_at", "covers_from", "api_status", "database_status", "workflows_status",
                             "sla_level", "counted_as", "minutes_counted", "down_minutes", "maintenance_minutes"]
    for row, snap in zip(rows, snapshots, strict=True):
        assert row["checked_at"] == snap.ts.isoformat().replace("+00:00", "Z")
        assert row["api_status"] == snap.api_status and row["database_status"] == snap.db_status
    assert rows[0]["covers_from"] == start.isoformat().replace("+00:00", "Z")

    down = [r for r in rows if r["counted_as"] == "down"]
    assert [r["checked_at"] for r in down] == [
        (outage + timedelta(minutes=5 * i)).isoformat().replace("+00:00", "Z") for i in range(1, 13)]
    assert sum(float(r["down_minutes"]) for r in rows) == claim.measured_downtime_minutes == 60
    paused = [r for r in rows if r["counted_as"] == "maintenance"]
    assert len(paused) == 8 and all(r["api_status"] == "down" and r["maintenance_minutes"] == "5" for r in paused)
    assert sum(float(r["minutes_counted"]) for r in rows) == 43_200 - 40  # the period less the maintenance

    # Staff get the same file, from the API and from the claim page's link.
    staff = Signed(app, login, admin)
    page = staff.get(f"/admin/sla-credits/claim/{claim.id}").get_data(as_text=True)
    assert f'href="/admin/sla-credits/claim/{claim.id}/checks.csv"' in page
    for url in (f"/api/admin/sla-credit/{claim.id}/checks.csv", f"/admin/sla-credits/claim/{claim.id}/checks.csv"):
        assert _rows(staff.get(url)) == rows
    assert f"{claim.ticket_id}-checks.csv" in staff.get(f"/api/admin/sla-credit/{claim.id}/checks.csv").headers[
        "Content-Disposition"]

    # The customer's page links it on the claim.
    listed = owner.get("/sla-credits").get_data(as_text=True)
    assert f'href="/api/support/sla-credit/{claim.id}/checks.csv"' in listed


def test_only_the_owner_and_staff_get_a_claims_checks(app, login, user, make_user, client):
    owner = Signed(app, login, user)
    claim, *_ = _claim_for_an_hour_down(owner, user)
    stranger = Signed(app, login, make_user("stranger@example.com", "stranger-password"))
    refused = stranger.get(f"/api/support/sla-credit/{claim.id}/checks.csv")
    assert refused.status_code == 404 and refused.get_json()["error"] == "not_found"
    assert stranger.get(f"/api/support/sla-credit/{claim.id + 1000}/checks.csv").status_code == 404
    assert stranger.get(f"/api/admin/sla-credit/{claim.id}/checks.csv").status_code == 403
    assert stranger.get(f"/admin/sla-credits/claim/{claim.id}/checks.csv").status_code in (302, 403)
    assert app.test_client().get(f"/api/support/sla-credit/{claim.id}/checks.csv").status_code == 401
