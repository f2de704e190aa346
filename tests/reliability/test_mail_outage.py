"""SMTP stopped, then back: the ready email arrives exactly once after the relay returns, within two
minutes of its return (retry schedule), and `emailed_at` is only set once the relay accepted it.

The relay is an aiosmtpd this test owns, stopped and restarted on the same port; the retries run
through RQ (scheduled-job registry, real back-off data) drained in-process, time-travelled by
making the scheduled retry due instead of sleeping through it."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.common import tasks
from app.dsar import export_jobs, exports
from app.extensions import db
from app.models import DsarExport
from app.models.types import utcnow
from jobs.queues import MAIL_RETRY_INTERVALS, REGISTRY
from tests.support.services import SmtpServer, _Handler, _import_aiosmtpd_controller, free_port
from tests.test_dsar.helpers import add_export, fast_forward_retries


class StoppableSmtp:
    def __init__(self):
        self.box = SmtpServer(port=free_port())
        self.controller = None

    def start(self):
        controller_class = _import_aiosmtpd_controller()
        self.controller = controller_class(_Handler(self.box), hostname="127.0.0.1", port=self.box.port)
        self.controller.start()

    def stop(self):
        self.controller.stop()


@pytest.fixture
def relay(app):
    smtp = StoppableSmtp()
    smtp.start()
    state = app.extensions["mail"]  # Flask-Mail read its settings at init: point it at our relay
    saved = state.port
    state.port = smtp.box.port
    yield smtp
    state.port = saved
    if smtp.controller.loop.is_running():
        smtp.stop()


def scheduled_retry_delay(job_id: str) -> float:
    """Seconds from now until RQ will run the job's next retry."""
    from rq.registry import ScheduledJobRegistry

    registry = ScheduledJobRegistry(queue=tasks.queue("mail"), connection=tasks.connection())
    return registry.get_scheduled_time(job_id).timestamp() - utcnow().timestamp()


def test_mail_reaches_a_relay_that_comes_back_exactly_once(app, user, relay, drain_queues):
    export = add_export(user.id, "ready")
    db.session.flush()
    export.download_url = exports.download_url(export)
    db.session.commit()
    relay.stop()

    tasks.enqueue("dsar.email_ready", export.id, job_id=export_jobs.email_job_id(export.id))
    drain_queues()  # relay down: the job fails and waits for its first retry
    db.session.expire_all()
    assert db.session.get(DsarExport, export.id).emailed_at is None
    assert 0 < scheduled_retry_delay(export_jobs.email_job_id(export.id)) <= MAIL_RETRY_INTERVALS[0] + 1
    fast_forward_retries("mail")
    drain_queues()  # still down: the second attempt fails too
    assert db.session.get(DsarExport, export.id).emailed_at is None

    relay.start()
    fast_forward_retries("mail")
    drain_queues()
    [message] = relay.box.wait_for(1)
    assert message["subject"] == exports.READY_SUBJECT and message["to"] == [user.email]
    db.session.expire_all()
    assert db.session.get(DsarExport, export.id).emailed_at is not None

    fast_forward_retries("mail")
    drain_queues()
    exports.sweep_stuck(now=utcnow() + timedelta(minutes=10))
    drain_queues()
    assert len(relay.box.messages) == 1  # exactly once


def test_the_retry_schedule_reaches_a_relay_within_two_minutes_of_a_ten_minute_outage():
    offsets, total = [], 0
    for interval in MAIL_RETRY_INTERVALS:
        total += interval
        offsets.append(total)
    for outage_end in range(1, 10 * 60 + 1):  # the relay comes back after this many seconds
        next_try = next(t for t in offsets if t >= outage_end)
        assert next_try - outage_end <= 120, outage_end
    assert offsets[-1] >= 3 * 3600  # and keeps trying for hours before giving up


def test_every_mail_job_uses_the_mail_schedule():
    mail_jobs = [j for j in REGISTRY.values() if j.spec.queue == "mail" and not j.name.startswith("test.")]
    assert mail_jobs and all(j.spec.retry_intervals == MAIL_RETRY_INTERVALS for j in mail_jobs)
