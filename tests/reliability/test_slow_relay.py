"""A slow or killed mail relay session loses nobody and never holds up the status page (issue 28).

The relay is tests/support/slow_smtp.py, a real SMTP server that answers each command after a delay;
the workers are the Procfile's own processes. A work horse is SIGKILLed in the middle of a batch at an
exact message (the relay's `on_accept` hook, before it answers 250: that message is in flight)."""
from __future__ import annotations

import os
import signal
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.common import tasks
from app.extensions import db
from app.models import StatusEvent, StatusNotification, StatusSnapshot, StatusSubscriber
from app.models.types import utcnow
from app.subscriptions import notify, staff
from tests.reliability.test_dead_worker import wait_for
from tests.reliability.test_work_horse_killed import _children, _talks_to_postgres
from tests.support.slow_smtp import SlowSmtp
from tests.support.worker import procfile_worker


@pytest.fixture
def slow_relay(app, monkeypatch):
    relay = SlowSmtp()
    monkeypatch.setitem(app.config, "MAIL_PORT", relay.port)  # what worker processes are given
    state = app.extensions["mail"]  # Flask-Mail read its settings at init: point it at this relay
    saved = state.port
    state.port = relay.port
    yield relay
    state.port = saved
    relay.close()


def _announce(count: int) -> tuple[int, list[int]]:
    subs = [StatusSubscriber(email=f"reader{i:03d}@example.com", components=[], confirmed_at=utcnow())
            for i in range(count)]
    event = StatusEvent(kind="incident.created", subject_type="incident", subject_id=1, components=[])
    db.session.add_all([*subs, event])
    db.session.commit()
    return event.id, [s.id for s in subs]


def _states() -> Counter:
    db.session.expire_all()
    return Counter(r.status for r in db.session.scalars(select(StatusNotification)))


def test_a_slow_relay_fails_each_message_in_seconds_and_nothing_stays_sending(app, slow_relay, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_TIMEOUT", 0.5)
    slow_relay.delay = 2.0  # every SMTP reply 2 s late: four times the per-command timeout
    event_id, ids = _announce(5)
    started = time.monotonic()
    with pytest.raises(notify.DeliveryFailed):
        notify.send_emails(event_id, ids)
    assert time.monotonic() - started < 5  # not 5 messages × 5 commands × 2 s
    assert _states() == {"failed": 5}  # handed back for the retry, none left `sending`

    slow_relay.delay = 0
    assert notify.send_emails(event_id, ids) == {"sent": 5, "skipped": 0}
    assert _states() == {"sent": 5}
    assert sorted(m["to"][0] for m in slow_relay.messages) == [f"reader{i:03d}@example.com" for i in range(5)]


@pytest.mark.server_only
@pytest.mark.committed
def test_a_snapshot_is_recorded_while_worker_fast_is_stuck_on_a_slow_relay(app, slow_relay):
    slow_relay.delay = 1.0  # a message takes ~6 s; the batch of 20 about two minutes
    event_id, ids = _announce(20)
    env = {"MAIL_TIMEOUT": 5, "STATUS_CHECK_TIMEOUT": 1}
    with procfile_worker(app, "worker_fast", ("mail",), **env), \
            procfile_worker(app, "worker_status", ("status",), **env):
        batch = tasks.enqueue(notify.EMAIL_JOB, event_id, ids)
        wait_for(lambda: batch.get_status(refresh=True) == "started", 60, "the mail batch started")
        tasks.enqueue("status.snapshot")
        wait_for(lambda: db.session.scalar(select(StatusSnapshot.id)) or db.session.rollback(), 45,
                 "a snapshot stored while the batch crawls")
        assert batch.get_status(refresh=True) == "started"  # the snapshot did not wait for it


@pytest.mark.server_only
@pytest.mark.committed
def test_a_batch_killed_mid_send_is_resumed_and_only_the_message_in_flight_is_sent_twice(app, slow_relay):
    event_id, ids = _announce(20)
    with procfile_worker(app, "worker_fast", ("mail",)) as worker:
        def kill_horse_at_seven(count: int) -> None:
            if count == 7:
                horse = next(c for c in _children(worker.pid) if _talks_to_postgres(c, slow_relay.port))
                os.kill(horse, signal.SIGKILL)

        slow_relay.on_accept = kill_horse_at_seven
        tasks.enqueue(notify.EMAIL_JOB, event_id, ids, job_id=tasks.job_id(notify.EMAIL_JOB, event_id, ids[0]))
        wait_for(lambda: len(slow_relay.messages) >= 7, 60, "seven mails through the relay")
        slow_relay.on_accept = None
        time.sleep(1)
        assert len(slow_relay.messages) == 7
        assert _states() == {"sent": 6, "sending": 14}  # each accepted mail recorded at once
        assert notify.resend_expired() == 0  # within the lease nobody takes them: the holder may be alive

        # The lease (job timeout + 60 s) runs out: time travel, not a sleep.
        db.session.execute(update(StatusNotification).where(StatusNotification.status == "sending")
                           .values(lease_until=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        assert staff.delivery_counts([event_id])[event_id]["uncertain"] == 14  # the console tells them apart
        assert notify.resend_expired() == 14
        wait_for(lambda: _states() == {"sent": 20}, 60, "every subscriber mailed")
    per_address = Counter(m["to"][0] for m in slow_relay.messages)
    assert sorted(per_address) == sorted(f"reader{i:03d}@example.com" for i in range(20))  # nobody lost
    twice = [a for a, n in per_address.items() if n > 1]
    assert len(twice) == 1  # only the message in flight at the kill
    ids_of_twice = {m["message_id"] for m in slow_relay.messages if m["to"][0] == twice[0]}
    assert len(ids_of_twice) == 1  # the same Message-ID both times: recognisable as a duplicate
