"""One export per user per 30 days, exact under concurrency; failed exports do not count."""
import threading
from datetime import UTC, datetime, timedelta

import pytest

from app.dsar import exports
from app.extensions import db, limiter
from app.models import DsarExport
from app.models.types import utcnow
from tests.test_dsar.helpers import add_export


def _post(client, token):
    return client.post("/api/dsar/export", headers={"X-CSRFToken": token})


def test_signed_out_gets_401_json_and_nothing_is_created(client):
    res = client.post("/api/dsar/export")
    assert res.status_code == 401 and res.get_json()["ok"] is False
    assert DsarExport.query.count() == 0


def test_missing_csrf_token_is_refused(client, user, login):
    login(user)
    res = client.post("/api/dsar/export")
    assert res.status_code == 400 and res.get_json()["error"] == "csrf_failed"
    assert DsarExport.query.count() == 0


def test_second_request_within_30_days_gets_429_with_next_allowed_and_retry_after(client, user, login):
    token = login(user)
    first = _post(client, token)
    assert first.status_code == 202
    export = db.session.get(DsarExport, first.get_json()["job_id"])
    second = _post(client, token)
    assert second.status_code == 429
    body = second.get_json()
    assert body["ok"] is False and body["error"] == "rate_limited" and "30 days" in body["message"]
    assert body["next_allowed_at"].endswith("Z")
    next_allowed = datetime.fromisoformat(body["next_allowed_at"])
    # Whole seconds, rounded up: never earlier than the limit allows.
    assert timedelta(0) <= next_allowed - (export.requested_at + timedelta(days=30)) < timedelta(seconds=1)
    assert 29 * 86400 < int(second.headers["Retry-After"]) <= 30 * 86400
    assert DsarExport.query.count() == 1


@pytest.mark.parametrize("status, fields, reason", [
    ("failed", {}, None),
    ("expired", {}, None),  # expired unused: the person never got their data
    ("invalidated", {}, None),  # withdrawn by staff before any download
    ("ready", {"expires_at": datetime.now(UTC) - timedelta(minutes=1)}, None),  # link lapsed unused, not yet swept
    ("pending", {}, "in_progress"),
    ("running", {}, "in_progress"),
    ("ready", {}, "ready"),  # a live link
    ("expired", {"downloaded_at": datetime.now(UTC) - timedelta(days=2)}, "downloaded"),
    ("invalidated", {"downloaded_at": datetime.now(UTC) - timedelta(days=2)}, "downloaded"),
])
def test_only_an_export_that_delivered_or_can_still_deliver_counts(client, user, login, status, fields, reason):
    earlier = add_export(user.id, status, datetime.now(UTC) - timedelta(days=3), **fields)
    db.session.commit()
    if status in ("pending", "running"):  # counts while a job exists for it (see dsar_recovery)
        from app.common import tasks
        from app.dsar import export_jobs

        tasks.enqueue("dsar.export", earlier.id, job_id=export_jobs.export_job_id(earlier.id))
    res = _post(client, login(user))
    if reason is None:
        assert res.status_code == 202, res.get_json()
        assert DsarExport.query.filter_by(user_id=user.id).count() == 2
        return
    body = res.get_json()
    assert res.status_code == 429 and body["reason"] == reason and body["blocking_export_id"] == earlier.id
    assert {"in_progress": "still being prepared", "ready": "is ready", "downloaded": "You downloaded"}[reason] \
        in body["message"]
    assert DsarExport.query.filter_by(user_id=user.id).count() == 1


def test_an_export_older_than_30_days_does_not_block(client, user, login):
    db.session.add(DsarExport(user_id=user.id, status="expired",
                              requested_at=datetime.now(UTC) - timedelta(days=30, minutes=1)))
    db.session.commit()
    assert _post(client, login(user)).status_code == 202


def test_another_users_export_does_not_block(client, user, make_user, login):
    other = make_user("other@example.com", "other-password")
    db.session.add(DsarExport(user_id=other.id, status="ready", requested_at=datetime.now(UTC)))
    db.session.commit()
    assert _post(client, login(user)).status_code == 202


@pytest.mark.committed
def test_twenty_simultaneous_requests_create_exactly_one_export(app, user, login):
    """Runs on PostgreSQL (row lock) and in embedded mode (SQLite: lock + BEGIN IMMEDIATE)."""
    uid = user.id
    clients = [app.test_client() for _ in range(20)]
    tokens = []
    for c in clients:
        limiter.reset()  # the login throttle is not what this test is about
        with app.app_context():  # a fresh `g`, so each session gets its own CSRF token
            tokens.append(login("user@example.com", on=c))
    barrier = threading.Barrier(20)
    statuses, bodies = [], []

    def fire(c, token):
        with app.app_context():
            barrier.wait()
            res = _post(c, token)
            statuses.append(res.status_code)
            bodies.append(res.get_json())

    threads = [threading.Thread(target=fire, args=pair) for pair in zip(clients, tokens, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(statuses) == [202] + [429] * 19, bodies
    db.session.expire_all()
    assert DsarExport.query.filter_by(user_id=uid).count() == 1


def _download(client, export) -> None:
    res = client.get(export.download_url.removeprefix("http://localhost"))
    assert res.status_code == 200
    res.close()


def test_end_to_end_expired_unused_and_withdrawn_exports_free_the_user_a_downloaded_one_blocks(
        client, user, admin, login, smtp, drain_queues, make_user):
    token = login(user)
    first = _post(client, token).get_json()["job_id"]
    drain_queues()
    assert exports.expire_archives(now=utcnow() + timedelta(days=8)) == 1  # nobody downloaded it
    second = _post(client, token)
    assert second.status_code == 202, second.get_json()

    drain_queues()
    res = client.post(f"/api/admin/dsar/exports/{second.get_json()['job_id']}/invalidate",
                      headers={"X-CSRFToken": login(admin)})
    assert res.status_code == 200
    token = login(user)
    third = _post(client, token)
    assert third.status_code == 202, third.get_json()

    drain_queues()
    db.session.expire_all()
    export = db.session.get(DsarExport, third.get_json()["job_id"])
    _download(client, export)
    db.session.expire_all()
    assert db.session.get(DsarExport, export.id).downloaded_at is not None
    assert exports.expire_archives(now=utcnow() + timedelta(days=8)) == 1
    fourth = _post(client, token)
    body = fourth.get_json()
    assert fourth.status_code == 429 and body["reason"] == "downloaded" and body["blocking_export_id"] == export.id
    assert "You downloaded your data export" in body["message"] and fourth.headers["Retry-After"]
    assert DsarExport.query.filter_by(user_id=user.id).count() == 3 and first != export.id
