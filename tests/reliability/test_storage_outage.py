"""Object store killed while exports run: the user sees the export retrying with the reason, then
`failed` with it once the retries are spent (a bounded 12.5 minutes of back-off), and may ask again
at once. The S3 server is a private moto this test kills; retries are made due instead of waited for."""
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


def test_object_store_down_during_an_export_ends_visibly_and_the_user_can_ask_again(
        client, login, user, s3_down_later, drain_queues):
    token = login(user)
    export_id = client.post("/api/dsar/export", headers={"X-CSRFToken": token}).get_json()["job_id"]
    s3_down_later.stop()

    drain_queues()
    [row] = client.get("/api/dsar/exports").get_json()["exports"]
    assert row["status"] == "pending" and row["retrying"] is True
    assert "EndpointConnectionError" in row["reason"] and "retrying" in row["reason"]

    for _ in run_export_job.spec.retry_intervals:
        fast_forward_retries("dsar")
        drain_queues()
    db.session.expire_all()
    export = db.session.get(DsarExport, export_id)
    assert export.status == "failed" and "EndpointConnectionError" in export.error
    assert export.attempts == 1 + len(run_export_job.spec.retry_intervals)
    assert sum(run_export_job.spec.retry_intervals) <= 15 * 60  # the bound the README states

    res = client.post("/api/dsar/export", headers={"X-CSRFToken": token})
    assert res.status_code == 202 and res.get_json()["job_id"] != export_id
