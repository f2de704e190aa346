"""Support staff API: filtered list, resend, invalidate, export on behalf; each audited."""
from datetime import UTC, datetime, timedelta

import pytest

from app.extensions import db
from app.models import AuditLog, DsarExport
from tests.test_dsar.helpers import add_export

API = "/api/admin/dsar/exports"


def _admin_session(client, login, admin):
    return {"X-CSRFToken": login(admin)}


@pytest.fixture
def people(make_user):
    return {
        "ann": make_user("Ann@Example.com", "ann-password-1"),
        "bob": make_user("bob@example.com", "bob-password-1"),
    }


@pytest.mark.parametrize("method, path", [
    ("get", API), ("post", API + "/1/resend"), ("post", API + "/1/invalidate"), ("post", API),
])
def test_access_matrix(client, login, user, admin, method, path):
    assert getattr(client, method)(path).status_code == 401
    headers = {"X-CSRFToken": login(user)}
    res = getattr(client, method)(path, headers=headers, json={})
    assert res.status_code == 403 and res.get_json()["error"] == "forbidden"
    headers = {"X-CSRFToken": login(admin)}
    res = getattr(client, method)(path, headers=headers, json={"email": "user@example.com", "reason": "ticket 42"})
    assert res.status_code in (200, 202, 404), res.get_json()  # 404: export 1 does not exist


def test_filters_and_pagination_over_many_rows(client, login, admin, people):
    ann, bob = people["ann"].id, people["bob"].id
    base = datetime(2026, 11, 1, tzinfo=UTC)
    for i in range(120):
        add_export(bob, "ready" if i % 2 else "failed", base - timedelta(days=1, minutes=i))
    day_start = add_export(ann, "ready", base)
    day_end = add_export(ann, "pending", base + timedelta(hours=23, minutes=59, seconds=59))
    next_day = add_export(ann, "running", base + timedelta(days=1))
    db.session.commit()
    _admin_session(client, login, admin)

    body = client.get(API).get_json()
    assert body["total"] == 123 and body["page"] == 1 and body["per_page"] == 50 and len(body["exports"]) == 50
    assert [r["id"] for r in body["exports"][:3]] == [next_day.id, day_end.id, day_start.id]  # newest first
    page3 = client.get(API + "?per_page=50&page=3").get_json()
    assert len(page3["exports"]) == 23
    assert len(client.get(API + "?per_page=100").get_json()["exports"]) == 100

    by_email = client.get(API + "?email=ANN@example.COM").get_json()
    assert by_email["total"] == 3 and {r["user_email"] for r in by_email["exports"]} == {"ann@example.com"}
    assert client.get(API + "?status=failed").get_json()["total"] == 60
    assert client.get(API + "?status=ready&email=bob@example.com").get_json()["total"] == 60
    one_day = client.get(API + "?date_from=2026-11-01&date_to=2026-11-01").get_json()
    assert sorted(r["id"] for r in one_day["exports"]) == sorted([day_start.id, day_end.id])
    assert client.get(API + "?date_from=2026-11-02").get_json()["total"] == 1
    assert client.get(API + "?date_to=2026-10-31").get_json()["total"] == 120

    row = by_email["exports"][0]
    assert set(row) >= {"id", "user_id", "user_email", "status", "requested_at", "completed_at", "due_at",
                        "overdue", "link_state"}
    assert row["user_id"] == ann and row["due_at"].startswith("2026-12-02")


def test_overdue_and_link_state(client, login, admin, people):
    ann = people["ann"].id
    now = datetime.now(UTC)
    late = add_export(ann, "pending", now - timedelta(days=31))
    on_time = add_export(ann, "ready", now - timedelta(days=2))
    expired = add_export(ann, "expired", now - timedelta(days=20))
    gone = add_export(ann, "invalidated", now - timedelta(days=40))
    db.session.commit()
    _admin_session(client, login, admin)
    rows = {r["id"]: r for r in client.get(API).get_json()["exports"]}
    assert rows[late.id]["overdue"] is True and rows[late.id]["link_state"] == "none"
    assert rows[on_time.id]["overdue"] is False and rows[on_time.id]["link_state"] == "active"
    assert rows[expired.id]["link_state"] == "expired"
    assert rows[gone.id]["link_state"] == "invalidated" and rows[gone.id]["overdue"] is False


@pytest.mark.parametrize("query, field", [
    ("status=bogus", "status"), ("date_from=2026-13-01", "date_from"), ("date_to=yesterday", "date_to"),
    ("per_page=101", "per_page"), ("per_page=0", "per_page"), ("page=0", "page"), ("page=x", "page"),
    ("email=not-an-email", "email"), ("date_from=2026-11-02&date_to=2026-11-01", "date_to"),
])
def test_bad_filter_values_get_422(client, login, admin, query, field):
    _admin_session(client, login, admin)
    res = client.get(f"{API}?{query}")
    assert res.status_code == 422
    body = res.get_json()
    assert body["ok"] is False and body["error"] == "invalid" and field in body["fields"]
    assert AuditLog.query.filter_by(action="dsar.admin_list").count() == 0


def test_every_list_call_is_audited_with_filters_and_target_user(client, login, admin, people):
    _admin_session(client, login, admin)
    client.get(API + "?email=ann@example.com&status=ready&date_from=2026-11-01")
    client.get(API)
    first, second = AuditLog.query.filter_by(action="dsar.admin_list").order_by(AuditLog.id).all()
    assert first.actor_id == admin.id and first.target_user_id == people["ann"].id
    assert first.details["filters"]["email"] == "ann@example.com"
    assert first.details["filters"]["status"] == "ready" and first.details["filters"]["date_from"] == "2026-11-01"
    assert second.target_user_id is None and second.details["total"] == 0


def test_resend_is_409_unless_ready_with_a_working_link(client, login, admin, user):
    ids = {}
    for status in ("pending", "running", "failed", "expired", "invalidated"):
        ids[status] = add_export(user.id, status)
    stale = add_export(user.id, "ready", datetime.now(UTC) - timedelta(days=8))  # link past expires_at
    db.session.commit()
    headers = _admin_session(client, login, admin)
    for export in [*ids.values(), stale]:
        res = client.post(f"{API}/{export.id}/resend", headers=headers)
        assert res.status_code == 409, export.status
    assert client.post(f"{API}/999999/resend", headers=headers).status_code == 404
    assert AuditLog.query.filter_by(action="dsar.resent").count() == 0


def test_invalidate_is_409_when_already_dead_and_404_when_unknown(client, login, admin, user):
    expired = add_export(user.id, "expired")
    pending = add_export(user.id, "pending")
    db.session.commit()
    headers = _admin_session(client, login, admin)
    assert client.post(f"{API}/{expired.id}/invalidate", headers=headers).status_code == 409
    assert client.post(f"{API}/{pending.id}/invalidate", headers=headers).status_code == 200
    again = client.post(f"{API}/{pending.id}/invalidate", headers=headers)
    assert again.status_code == 409 and again.get_json()["error"] == "already_invalidated"
    assert client.post(f"{API}/424242/invalidate", headers=headers).status_code == 404
    assert client.post(f"{API}/{pending.id}/invalidate").status_code == 400  # no CSRF token


def test_export_on_behalf_bypasses_the_throttle_and_audits_the_reason(client, login, admin, user):
    user_headers = {"X-CSRFToken": login(user)}
    assert client.post("/api/dsar/export", headers=user_headers).status_code == 202
    assert client.post("/api/dsar/export", headers=user_headers).status_code == 429
    headers = _admin_session(client, login, admin)
    missing = client.post(API, headers=headers, json={"email": "user@example.com", "reason": " "})
    assert missing.status_code == 422 and "reason" in missing.get_json()["fields"]
    unknown = client.post(API, headers=headers, json={"email": "ghost@example.com", "reason": "ticket 7"})
    assert unknown.status_code == 404
    assert DsarExport.query.count() == 1
    res = client.post(API, headers=headers, json={"email": "USER@example.com", "reason": "Ticket 7: wrote in"})
    assert res.status_code == 202
    export = db.session.get(DsarExport, res.get_json()["job_id"])
    assert export.user_id == user.id and export.requested_by_id == admin.id and export.reason == "Ticket 7: wrote in"
    [row] = AuditLog.query.filter_by(action="dsar.requested_on_behalf").all()
    assert (row.actor_id, row.target_user_id) == (admin.id, user.id)
    assert row.details["reason"] == "Ticket 7: wrote in"
