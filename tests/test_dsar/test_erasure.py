"""Erasure (Art. 17) end to end: API → grace period → the periodic job → what is left in the database
and in moto's S3 bucket → the final email via aiosmtpd. Bad input changes nothing."""
from datetime import timedelta

from sqlalchemy import select

from app.common.errors import Conflict
from app.dsar import erasure, erasure_emails
from app.extensions import db
from app.models import AuditLog, ErasureRequest
from app.models.types import utcnow
from tests.support.services import mail_parts
from tests.test_dsar.erasure_seed import assert_erased, count, seed_erasable
from tests.test_dsar.helpers import login_as, request_as


def _post(client, path, token, **kw):
    return client.post(path, headers={"X-CSRFToken": token}, **kw)


def test_wrong_password_second_request_and_someone_elses_id(app, client, user, make_user, login, smtp,
                                                            drain_queues):
    token = login(user)
    for bad in ({"password": "not-my-password"}, {"password": ""}, {}, {"password": 12}):
        res = _post(client, "/api/dsar/erasure", token, json=bad)
        assert res.status_code == 422, (bad, res.get_json())
        assert res.get_json()["ok"] is False and "password" in res.get_json()["fields"]
    assert count(ErasureRequest) == 0
    assert client.get("/api/dsar/erasure").get_json() == {"ok": True, "request": None}
    assert client.post("/api/dsar/erasure", json={"password": "user-password"}).status_code in (400, 403)  # no CSRF

    res = _post(client, "/api/dsar/erasure", token, json={"password": "user-password"})
    assert res.status_code == 202, res.get_json()
    body = res.get_json()["request"]
    assert body["status"] == "scheduled"
    row = db.session.get(ErasureRequest, body["id"])
    assert abs(row.scheduled_for - (utcnow() + timedelta(days=14))) < timedelta(minutes=1)
    again = _post(client, "/api/dsar/erasure", token, json={"password": "user-password"})
    assert again.status_code == 409 and again.get_json()["error"] == "erasure_scheduled"
    assert count(ErasureRequest) == 1

    drain_queues()
    [mail] = smtp.wait_for(1)
    assert mail["to"] == ["user@example.com"] and mail["subject"] == erasure_emails.SCHEDULED_SUBJECT
    text, html = mail_parts(mail["message"])
    assert row.scheduled_for.strftime("%d %B %Y") in text and "/data-requests" in text

    other = make_user("mallory@example.com", "mallory-password")
    mallory = app.test_client()
    other_token = login_as(app, login, other, mallory)
    res = request_as(app, mallory, "post", f"/api/dsar/erasure/{body['id']}/cancel",
                     headers={"X-CSRFToken": other_token})
    assert res.status_code == 404
    assert request_as(app, mallory, "get", "/api/dsar/erasure").get_json()["request"] is None
    db.session.expire_all()
    assert db.session.get(ErasureRequest, body["id"]).status == "scheduled"

    res = _post(client, f"/api/dsar/erasure/{body['id']}/cancel", token)
    assert res.status_code == 200 and res.get_json()["request"]["status"] == "canceled"
    assert _post(client, f"/api/dsar/erasure/{body['id']}/cancel", token).status_code == 409


def test_a_due_erasure_leaves_only_what_the_retention_rules_keep(app, client, user, make_user, login, moto_s3,
                                                                 smtp, drain_queues):
    seeded = seed_erasable(user, make_user)
    token = login(user)
    res = _post(client, "/api/dsar/erasure", token, json={"password": "user-password"})
    erasure_id = res.get_json()["request"]["id"]
    drain_queues()
    assert erasure.sweep_due()["enqueued"] == 0  # not due yet: nothing happens
    drain_queues()
    assert db.session.get(ErasureRequest, erasure_id).status == "scheduled"

    row = db.session.get(ErasureRequest, erasure_id)
    row.scheduled_for = utcnow() - timedelta(seconds=1)  # the grace period has ended
    db.session.commit()
    assert erasure.sweep_due() == {"enqueued": 1, "final_emails": 0}
    drain_queues()

    db.session.expire_all()
    done = db.session.get(ErasureRequest, erasure_id)
    assert done.status == "completed" and done.completed_at and done.error is None
    assert_erased(seeded)
    assert sorted(moto_s3.keys()) == [f"dsar/{seeded['other_id']}/theirs.zip"]  # the whole bucket
    final = [m for m in smtp.wait_for(2) if m["subject"] == erasure_emails.FINAL_SUBJECT]
    assert [m["to"] for m in final] == [["user@example.com"]]
    assert done.notify_email is None and done.final_emailed_at is not None  # the old address is forgotten

    # Nobody signs in with it; the old address registers a fresh, empty account.
    assert client.post("/api/auth/login", json={"email": "user@example.com",
                                                "password": "user-password"}).status_code == 401
    assert client.get("/api/dsar/erasure").status_code == 401  # the old session ended too
    fresh = make_user("user@example.com", "new-password")
    assert fresh.id != seeded["uid"] and erasure.latest_for_user(fresh.id) is None
    try:
        erasure.cancel(erasure_id, seeded["uid"])
        raise AssertionError("a completed erasure was canceled")
    except Conflict:
        pass
    actions = [a.action for a in db.session.scalars(select(AuditLog).where(
        AuditLog.target_type == "dsar_erasure").order_by(AuditLog.id))]
    assert actions[:2] == ["dsar.erasure_requested", "dsar.erasure_scheduled_emailed"]
    assert {"dsar.erasure_started", "dsar.erasure_completed", "dsar.erasure_final_emailed"} <= set(actions)
    assert erasure.sweep_due() == {"enqueued": 0, "final_emails": 0}  # done stays done
