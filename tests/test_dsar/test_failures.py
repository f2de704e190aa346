"""Retries, final failure, idempotent reruns, mail failures, the sweeper and expiry."""
from datetime import timedelta

from app.common.redis import client as get_connection
from app.common.tasks import is_job_live
from app.dsar import export_jobs, exports
from app.extensions import db
from app.models import AuditLog, DsarExport
from app.models.types import utcnow
from jobs.dsar import run_export_job
from tests.support.services import free_port
from tests.test_dsar.helpers import fast_forward_retries, seed_history, unzip


def _request(client, user, login) -> int:
    res = client.post("/api/dsar/export", headers={"X-CSRFToken": login(user)})
    assert res.status_code == 202, res.get_json()
    return res.get_json()["job_id"]


def _export(export_id) -> DsarExport:
    db.session.expire_all()
    return db.session.get(DsarExport, export_id)


def _actions(export_id) -> list[str]:
    return [a.action for a in AuditLog.query.filter_by(target_type="dsar_export", target_id=str(export_id))
            .order_by(AuditLog.id)]


def test_s3_unavailable_retries_with_backoff_then_fails_and_the_user_may_ask_again(
        app, client, user, login, moto_server, drain_queues):  # moto_server: only for its AWS credentials
    saved = {k: app.config[k] for k in ("STORAGE_BACKEND", "S3_BUCKET", "S3_ENDPOINT_URL")}
    app.config.update(STORAGE_BACKEND="s3", S3_BUCKET="levqor-down", S3_ENDPOINT_URL=f"http://127.0.0.1:{free_port()}")
    app.extensions.pop("levqor_storage", None)
    try:
        export_id = _request(client, user, login)
        drain_queues()
        export = _export(export_id)
        assert export.status == "pending" and export.attempts == 1
        assert export.error.startswith("Attempt 1 failed, retrying")
        assert is_job_live(export_jobs.export_job_id(export_id))  # waiting for its back-off, not lost
        intervals = run_export_job.spec.intervals()  # an outage is retried for about an hour
        for _ in intervals:
            assert fast_forward_retries("dsar") == 1
            drain_queues()
        export = _export(export_id)
        assert export.status == "failed" and export.attempts == 1 + len(intervals)
        assert export.error == "Our file storage is unreachable for over an hour; please ask again."
        assert _actions(export_id).count("dsar.failed") == 1
        assert _actions(export_id).count("dsar.started") == 1 + len(intervals)
        assert not is_job_live(export_jobs.export_job_id(export_id))
    finally:
        app.config.update(saved)
        app.extensions.pop("levqor_storage", None)
    again = client.post("/api/dsar/export", headers={"X-CSRFToken": login(user)})
    assert again.status_code == 202 and again.get_json()["job_id"] != export_id


def test_running_the_job_twice_leaves_one_archive_and_one_ready_row(client, user, login, moto_s3, smtp,
                                                                     drain_queues):
    seed_history(user.id)
    export_id = _request(client, user, login)
    drain_queues()
    first = _export(export_id)
    assert first.status == "ready"
    key, completed = first.storage_key, first.completed_at
    run_export_job.enqueue(export_id, job_id=export_jobs.export_job_id(export_id))
    drain_queues()
    again = _export(export_id)
    assert (again.status, again.storage_key, again.completed_at, again.attempts) == ("ready", key, completed, 1)
    assert moto_s3.keys() == [key]
    assert DsarExport.query.count() == 1
    assert len(smtp.wait_for(1)) == 1 and _actions(export_id).count("dsar.completed") == 1


def test_rerun_after_a_crash_mid_upload_replaces_the_object(client, user, login, moto_s3, smtp, drain_queues):
    export_id = _request(client, user, login)
    export = _export(export_id)
    export.status, export.storage_key = "running", exports.new_storage_key(user.id)  # a worker died here
    db.session.commit()
    moto_s3.client().put_object(Bucket=moto_s3.bucket, Key=export.storage_key, Body=b"half an archive")
    drain_queues()  # the original job runs now (like the sweeper's re-enqueue would)
    export = _export(export_id)
    assert export.status == "ready"
    assert moto_s3.keys() == [export.storage_key]
    assert "manifest.json" in unzip(moto_s3.get(export.storage_key))


def test_a_mail_failure_retries_the_mail_only_and_never_fails_the_export(app, client, user, login, moto_s3,
                                                                          smtp, drain_queues):
    state = app.extensions["mail"]
    saved_port, state.port = state.port, free_port()  # nothing listens there
    try:
        export_id = _request(client, user, login)
        drain_queues()
        export = _export(export_id)
        assert export.status == "ready" and export.emailed_at is None and export.attempts == 1
        assert is_job_live(export_jobs.email_job_id(export_id))
    finally:
        state.port = saved_port
    assert fast_forward_retries("mail") == 1
    drain_queues()
    [mail] = smtp.wait_for(1)
    assert mail["subject"] == exports.READY_SUBJECT
    export = _export(export_id)
    assert export.status == "ready" and export.emailed_at is not None and export.attempts == 1
    assert len(moto_s3.keys()) == 1
    assert "dsar.failed" not in _actions(export_id)


def test_sweeper_requeues_a_pending_export_whose_job_was_lost(client, user, drain_queues, smtp):
    export = DsarExport(user_id=user.id, status="pending", requested_at=utcnow() - timedelta(minutes=10))
    fresh = DsarExport(user_id=user.id, status="pending", requested_at=utcnow())  # its job may be on its way
    db.session.add_all([export, fresh])
    db.session.commit()
    export_id = export.id
    assert exports.sweep_stuck() == {"requeued": 1, "failed": 0, "emails": 0}
    assert exports.sweep_stuck()["requeued"] == 0  # the job is live now: not enqueued twice
    drain_queues()
    assert _export(export_id).status == "ready"


def test_sweeper_fails_an_export_stuck_running_so_the_user_is_not_blocked(app, client, user, login):
    timeout = app.config["DSAR_JOB_TIMEOUT"]
    stuck = DsarExport(user_id=user.id, status="running", requested_at=utcnow() - timedelta(hours=3),
                       started_at=utcnow() - timedelta(seconds=timeout + 120))
    db.session.add(stuck)
    db.session.commit()
    stuck_id = stuck.id
    assert exports.sweep_stuck()["failed"] == 1
    export = _export(stuck_id)
    assert export.status == "failed" and "did not finish" in export.error
    assert _actions(stuck_id) == ["dsar.failed"]
    assert client.post("/api/dsar/export", headers={"X-CSRFToken": login(user)}).status_code == 202


def test_expiry_job_deletes_the_archive_and_the_link_answers_410(client, user, login, moto_s3, smtp, drain_queues):
    from jobs.dsar import expire_archives_job

    export_id = _request(client, user, login)
    drain_queues()
    export = _export(export_id)
    link = export.download_url
    assert client.get(link).status_code == 302
    export.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get(link).status_code == 410  # refused at once, before the hourly job runs
    expire_archives_job.enqueue()
    drain_queues()
    export = _export(export_id)
    assert export.status == "expired" and export.download_url is None
    assert moto_s3.keys() == []
    assert client.get(link).status_code == 410
    assert "dsar.expired" in _actions(export_id)
    assert client.get("/api/dsar/exports").get_json()["exports"][0]["download_url"] is None


def test_sweeper_sends_a_ready_email_that_never_went_out(client, user, login, smtp, drain_queues):
    export_id = _request(client, user, login)
    drain_queues()
    [_first] = smtp.wait_for(1)
    export = _export(export_id)
    export.emailed_at, export.completed_at = None, utcnow() - timedelta(minutes=10)  # enqueue lost
    db.session.commit()
    get_connection().delete(f"rq:job:{export_jobs.email_job_id(export_id)}")
    assert exports.sweep_stuck()["emails"] == 1
    drain_queues()
    assert len(smtp.wait_for(2)) == 2 and _export(export_id).emailed_at is not None
    assert exports.sweep_stuck()["emails"] == 0


def test_dsar_periodic_jobs_are_declared_on_the_dsar_queue(app):
    from app.common import tasks
    from jobs.schedule import PERIODIC_JOBS

    declared = {p.id: p for p in PERIODIC_JOBS}
    assert declared["dsar-sweep"].cron == "* * * * *" and declared["dsar-expire"].cron == "17 * * * *"
    for pid in ("dsar-sweep", "dsar-expire"):
        assert tasks.declared(declared[pid].job).spec.queue == "dsar"
