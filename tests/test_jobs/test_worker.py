"""Jobs run by a real `flask worker --burst` (server mode) and by the embedded runtime."""
import pytest

from jobs.mail import send_mail_job
from jobs.queues import get_queue
from tests.support.worker import run_flask_worker


@pytest.mark.server_only
@pytest.mark.committed
def test_real_flask_worker_runs_a_queued_job(app, smtp):
    job = send_mail_job.enqueue("ops@example.com", "Worker check", "sent by a worker", None)
    assert get_queue("mail").count == 1
    proc = run_flask_worker(app, "mail")
    [received] = smtp.wait_for(1)
    assert received["subject"] == "Worker check"
    assert get_queue("mail").count == 0
    job.refresh()
    assert job.get_status() == "finished", proc.stderr[-2000:]


def test_job_declaration_carries_queue_timeout_and_retries():
    spec = send_mail_job.spec
    assert spec.queue == "mail" and spec.timeout == 60 and len(spec.retry_intervals) >= 3


def test_embedded_runtime_drains_the_queue(app, smtp, drain_queues):
    send_mail_job.enqueue("ops@example.com", "Embedded check", "in-process worker", None)
    drain_queues()
    [received] = smtp.wait_for(1)
    assert received["subject"] == "Embedded check"
    assert get_queue("mail").count == 0


def test_failed_job_is_retried_later_not_lost(app, drain_queues):
    state = app.extensions["mail"]  # Flask-Mail read its settings at init; point it at a closed port
    saved_port = state.port
    state.port = 1
    try:
        job = send_mail_job.enqueue("ops@example.com", "Will fail once", "x", None)
        drain_queues()
        job.refresh()
        assert job.get_status() == "scheduled"  # waiting for its back-off, not failed
        assert job.retries_left == len(send_mail_job.spec.retry_intervals) - 1
    finally:
        state.port = saved_port
