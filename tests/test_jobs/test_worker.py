"""Jobs run by a real `flask worker --burst` (server mode) and by the embedded runtime."""
import pytest

from app.common import mailer, tasks
from app.common.tasks import queue as get_queue
from jobs.queues import job
from tests.support.worker import run_flask_worker


@job("test.ops_mail", queue="mail", timeout=60, retry_intervals=(10, 60, 300))
def send_ops_mail(subject: str) -> str:
    """A job of the tests' own (declared like any other), so the worker is checked on its own."""
    return mailer.send_mail("ops@example.com", subject, "sent by a job")


@pytest.mark.server_only
@pytest.mark.committed
def test_real_flask_worker_runs_a_queued_job(app, smtp):
    job = send_ops_mail.enqueue("Worker check")
    assert get_queue("mail").count == 1
    proc = run_flask_worker(app, "mail")
    [received] = smtp.wait_for(1)
    assert received["subject"] == "Worker check"
    assert get_queue("mail").count == 0
    job.refresh()
    assert job.get_status() == "finished", proc.stderr[-2000:]


def test_job_declaration_carries_queue_timeout_and_retries(app):
    spec = tasks.declared("mail.sla_decision").spec
    assert spec.queue == "mail" and spec.timeout == 60 and len(spec.retry_intervals) >= 3
    export = tasks.declared("dsar.export").spec
    assert export.queue == "dsar" and export.timeout_seconds() == app.config["DSAR_JOB_TIMEOUT"]


def test_embedded_runtime_drains_the_queue(app, smtp, drain_queues):
    send_ops_mail.enqueue("Embedded check")
    drain_queues()
    [received] = smtp.wait_for(1)
    assert received["subject"] == "Embedded check"
    assert get_queue("mail").count == 0


def test_failed_job_is_retried_later_not_lost(app, drain_queues):
    state = app.extensions["mail"]  # Flask-Mail read its settings at init; point it at a closed port
    saved_port = state.port
    state.port = 1
    try:
        job = send_ops_mail.enqueue("Will fail once")
        drain_queues()
        job.refresh()
        assert job.get_status() == "scheduled"  # waiting for its back-off, not failed
        assert job.retries_left == len(send_ops_mail.spec.retry_intervals) - 1
    finally:
        state.port = saved_port
