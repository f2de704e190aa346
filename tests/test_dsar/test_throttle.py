"""One export per user per 30 days, exact under concurrency; failed exports do not count."""
import threading
from datetime import UTC, datetime, timedelta

import pytest

from app.extensions import db, limiter
from app.models import DsarExport


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
    next_allowed = datetime.fromisoformat(body["next_allowed_at"])
    # Whole seconds, rounded up: never earlier than the limit allows.
    assert timedelta(0) <= next_allowed - (export.requested_at + timedelta(days=30)) < timedelta(seconds=1)
    assert 29 * 86400 < int(second.headers["Retry-After"]) <= 30 * 86400
    assert DsarExport.query.count() == 1


@pytest.mark.parametrize("status, allowed", [
    ("failed", True), ("expired", False), ("invalidated", False), ("ready", False), ("running", False),
])
def test_which_earlier_exports_count(client, user, login, status, allowed):
    db.session.add(DsarExport(user_id=user.id, status=status, requested_at=datetime.now(UTC) - timedelta(days=3)))
    db.session.commit()
    res = _post(client, login(user))
    assert res.status_code == (202 if allowed else 429)


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
