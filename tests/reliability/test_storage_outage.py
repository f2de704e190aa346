"""Object store killed while exports run (issue 28): the export is retried for as long as the outage
lasts (up to about an hour), the user sees a plain reason — never boto's message with the internal
endpoint, bucket, archive key or uploadId — and the export becomes ready soon after the store is back.
An outage that outlasts the hour fails the export with the plain reason, and the user may ask again.
The S3 server is a private moto this test kills; retries are made due instead of waited for."""
from __future__ import annotations

import pytest

from app.extensions import db
from app.models import DsarExport
from jobs.dsar import run_export_job
from tests.test_dsar.helpers import fast_forward_retries


@pytest.fixture
def s3_down_later(app, private_moto):
    saved = {k: app.config.get(k) for k in ("STORAGE_BACKEND", "S3_BUCKET", "S3_ENDPOINT_URL")}
    app.config.update(STORAGE_BACKEND="s3", S3_BUCKET=private_moto.bucket, S3_ENDPOINT_URL=private_moto.endpoint)
    app.extensions.pop("levqor_storage", None)
    yield private_moto
    app.config.update(saved)
    app.extensions.pop("levqor_storage", None)


def _plain(reason: str, moto) -> None:
    assert reason.endswith("Our file storage is unreachable; we will retry automatically until it is back.")
    for internal in (str(moto.port), moto.bucket, "dsar/", "uploadId", "Endpoint", "http"):
        assert internal not in reason


def _requested_then_store_down(client, login, user, moto, drain_queues) -> tuple[str, int, tuple[int, ...]]:
    """The user asks for an export, the store dies, the first attempt fails: (CSRF token, export id,
    the export job's back-off)."""
    token = login(user)
    export_id = client.post("/api/dsar/export", headers={"X-CSRFToken": token}).get_json()["job_id"]
    moto.stop()
    drain_queues()
    return token, export_id, run_export_job.spec.intervals()


def test_an_export_outlives_a_long_storage_outage_and_gets_ready_when_it_is_back(
        client, login, user, s3_down_later, drain_queues):
    token, export_id, intervals = _requested_then_store_down(client, login, user, s3_down_later, drain_queues)
    for _ in range(9):  # 9 retries: about 19 minutes of back-off, past the old 4 attempts and 12.5 minutes
        [row] = client.get("/api/dsar/exports").get_json()["exports"]
        assert row["status"] == "pending" and row["retrying"] is True
        _plain(row["reason"], s3_down_later)
        fast_forward_retries("dsar")
        drain_queues()
    assert sum(intervals[:9]) > 15 * 60

    s3_down_later.start()  # back (moto starts empty: the bucket is created again, as a restore would)
    s3_down_later.client().create_bucket(Bucket=s3_down_later.bucket)
    fast_forward_retries("dsar")
    drain_queues()
    db.session.expire_all()
    export = db.session.get(DsarExport, export_id)
    assert export.status == "ready" and export.attempts == 11 and export.error is None


def test_an_outage_longer_than_the_hour_fails_plainly_and_the_user_may_ask_again(
        client, login, user, s3_down_later, drain_queues):
    token, export_id, intervals = _requested_then_store_down(client, login, user, s3_down_later, drain_queues)
    for _ in intervals:
        fast_forward_retries("dsar")
        drain_queues()
    db.session.expire_all()
    export = db.session.get(DsarExport, export_id)
    assert export.status == "failed" and export.attempts == 1 + len(intervals)
    assert export.error == "Our file storage is unreachable for over an hour; please ask again."
    assert 55 * 60 <= sum(intervals) <= 70 * 60  # the bound the README states

    res = client.post("/api/dsar/export", headers={"X-CSRFToken": token})
    assert res.status_code == 202 and res.get_json()["job_id"] != export_id
