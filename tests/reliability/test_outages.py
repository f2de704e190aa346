"""Clear answers during outages: a dependency that is away gives a 503 JSON error with Retry-After
under /api/ (an error page elsewhere), never a 500; what does not need it keeps working; and the
app recovers by itself when the dependency returns."""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask import g
from sqlalchemy import select

from app.extensions import db
from app.models import DsarExport
from tests.support.factories import make_user

pytestmark = [pytest.mark.server_only, pytest.mark.committed]


def sign_in(client, email: str, password: str):
    g.pop("csrf_token", None)
    g.pop("_login_user", None)
    return client.post("/api/auth/login", json={"email": email, "password": password})


def assert_503(res, code: str) -> None:
    assert res.status_code == 503, (res.status_code, res.get_data()[:300])
    assert res.is_json and res.get_json()["ok"] is False and res.get_json()["error"] == code
    assert int(res.headers["Retry-After"]) > 0


def test_postgres_down_api_answers_503_json_then_recovers_without_a_restart(make_fault_app, private_pg):
    cluster, url = private_pg
    fault_app = make_fault_app(migrate=True, SQLALCHEMY_DATABASE_URI=url)
    with fault_app.app_context():
        make_user("pg-user@example.com", "pg-user-password")
        client = fault_app.test_client()
        token = sign_in(client, "pg-user@example.com", "pg-user-password").get_json()["csrf_token"]

        cluster.stop()
        assert_503(client.get("/api/dsar/exports"), "database_unavailable")
        assert_503(client.post("/api/dsar/export", headers={"X-CSRFToken": token}), "database_unavailable")
        assert_503(sign_in(client, "pg-user@example.com", "pg-user-password"), "database_unavailable")
        page = client.get("/data-requests")
        assert page.status_code == 503 and b"database is not reachable" in page.data
        assert client.get("/healthz").status_code == 200  # load balancers keep the process

        cluster.start()
        res = client.get("/api/dsar/exports")
        assert res.status_code == 200 and res.get_json()["exports"] == []
        assert client.post("/api/dsar/export", headers={"X-CSRFToken": token}).status_code == 202


def test_redis_down_sign_in_still_works_the_throttle_still_counts_and_an_export_is_kept(
        make_fault_app, private_redis, app_config):
    fault_app = make_fault_app(REDIS_URL=private_redis.url, RATELIMIT_STORAGE_URI=private_redis.url,
                               EMBEDDED_QUEUE=False, LOGIN_FAILURES_PER_ACCOUNT="3 per minute")
    with fault_app.app_context():
        user = make_user("redis-user@example.com", "redis-user-password")
        client = fault_app.test_client()
        private_redis.stop()

        res = sign_in(client, user.email, "redis-user-password")
        assert res.status_code == 200, res.get_json()
        token = res.get_json()["csrf_token"]
        res = client.post("/api/dsar/export", headers={"X-CSRFToken": token})
        assert res.status_code == 202  # committed first; the sweeper enqueues it once Redis is back
        export_id = res.get_json()["job_id"]

        # Fail-closed for guessing: the throttle falls back to per-process counters.
        wrong = [sign_in(fault_app.test_client(), user.email, "wrong").status_code for _ in range(4)]
        assert wrong[-1] == 429 or 429 in wrong, wrong

        private_redis.start()  # back, and empty
        from app.dsar import export_jobs, exports
        from app.models.types import utcnow

        assert exports.sweep_stuck(now=utcnow() + timedelta(minutes=3))["requeued"] == 1
        from app.common.tasks import is_job_live

        assert is_job_live(export_jobs.export_job_id(export_id))
        assert db.session.scalar(select(DsarExport.status).where(DsarExport.id == export_id)) == "pending"


def test_object_store_down_is_a_503_for_an_upload_and_nothing_is_filed(make_fault_app, private_moto):
    from app.models import SlaCreditRequest
    from tests.test_sla.conftest import make_subscription

    fault_app = make_fault_app(STORAGE_BACKEND="s3", S3_BUCKET=private_moto.bucket,
                               S3_ENDPOINT_URL=private_moto.endpoint)
    with fault_app.app_context():
        user = make_user("s3-user@example.com", "s3-user-password")
        sub = make_subscription(user)
        client = fault_app.test_client()
        token = sign_in(client, user.email, "s3-user-password").get_json()["csrf_token"]
        private_moto.stop()
        from app.models.types import utcnow

        end = utcnow().replace(microsecond=0) - timedelta(days=1)
        res = client.post("/api/support/sla-credit", headers={"X-CSRFToken": token},
                          content_type="multipart/form-data", data={
                              "subscription_id": str(sub.id), "period_start": (end - timedelta(hours=1)).isoformat(),
                              "period_end": end.isoformat(), "claimed_downtime_minutes": "20",
                              "description": "API was down", "attachment": (_log_file(), "api.log")})
        assert_503(res, "storage_unavailable")
        db.session.expire_all()
        assert db.session.query(SlaCreditRequest).count() == 0


def _log_file():
    import io

    return io.BytesIO(b"2026-11-20T10:00:00Z GET /api 503\n")


def test_postgres_restart_under_a_running_worker_needs_no_process_restart(make_fault_app, private_pg, private_redis):
    import subprocess
    import sys
    import time

    from tests.support.worker import ROOT, worker_env

    cluster, url = private_pg
    fault_app = make_fault_app(migrate=True, SQLALCHEMY_DATABASE_URI=url, REDIS_URL=private_redis.url,
                               EMBEDDED_QUEUE=False, RATELIMIT_STORAGE_URI="memory://")
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker", "dsar"], cwd=ROOT,
                              env=worker_env(fault_app), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with fault_app.app_context():
            first, second = make_user("pg-a@example.com", "pg-a-password"), make_user("pg-b@example.com", "pg-b-pass")

            def signed_in(who, password):
                client = fault_app.test_client()
                return client, sign_in(client, who.email, password).get_json()["csrf_token"]

            def export_for(client, token) -> int:
                res = client.post("/api/dsar/export", headers={"X-CSRFToken": token})
                assert res.status_code == 202, res.get_json()
                return res.get_json()["job_id"]

            def wait_ready(export_id: int) -> None:
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    db.session.rollback()
                    if db.session.get(DsarExport, export_id).status == "ready":
                        return
                    time.sleep(0.3)
                raise AssertionError(f"export {export_id} not ready")

            wait_ready(export_for(*signed_in(first, "pg-a-password")))
            client, token = signed_in(second, "pg-b-pass")
            cluster.stop()
            assert_503(client.get("/api/dsar/exports"), "database_unavailable")
            assert_503(client.post("/api/dsar/export", headers={"X-CSRFToken": token}), "database_unavailable")
            time.sleep(2)
            cluster.start()
            assert worker.poll() is None
            wait_ready(export_for(client, token))  # same web app, same worker process
    finally:
        worker.terminate()
        worker.wait(timeout=20)
