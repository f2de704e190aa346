"""Status notifications in the bad hour, on real parts: the mail relay (an aiosmtpd this test owns)
stops while an incident is announced, and Redis (a private redis-server) is down when staff open an
incident or when someone subscribes. Nothing is lost, nothing is sent twice, and the person or staff
member sees what happened."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.extensions import db
from app.models import Incident, StatusEvent, StatusNotification, StatusSubscriber
from app.models.types import utcnow
from app.status import events, incidents
from tests.reliability.test_mail_outage import relay  # noqa: F401  (fixture)
from tests.support.services import run_queued
from tests.test_dsar.helpers import fast_forward_retries


def _confirmed(*emails: str) -> None:
    db.session.add_all(StatusSubscriber(email=e, components=[], confirmed_at=utcnow()) for e in emails)
    db.session.commit()


def _open_incident(title: str) -> Incident:
    item = Incident(title=title, status="investigating", impact="major", components=[], message="Looking into it.")
    db.session.add(item)
    incidents.apply_change(item, True, None)
    db.session.commit()
    incidents.after_change(item)
    return item


def _deliveries() -> list[tuple[str, int]]:
    db.session.expire_all()
    return sorted((r.status, r.attempts) for r in db.session.scalars(select(StatusNotification)))


def test_relay_down_mid_announcement_every_subscriber_mailed_once_when_it_returns(relay, drain_queues):  # noqa: F811
    _confirmed("a@example.com", "b@example.com")
    relay.stop()
    _open_incident("Relay outage test")
    drain_queues()  # the batch fails against the stopped relay and waits for its retry
    assert _deliveries() == [("failed", 1), ("failed", 1)]

    relay.start()
    fast_forward_retries("mail")
    drain_queues()
    mails = relay.box.wait_for(2)
    assert sorted(m["to"][0] for m in mails) == ["a@example.com", "b@example.com"]
    assert _deliveries() == [("sent", 2), ("sent", 2)]
    fast_forward_retries("mail")
    drain_queues()
    assert len(relay.box.messages) == 2  # nothing left to retry, nothing sent twice




@pytest.mark.server_only
@pytest.mark.committed
def test_redis_down_when_staff_open_an_incident_the_sweeper_announces_it_once(make_fault_app, private_redis, smtp):
    fault_app = make_fault_app(REDIS_URL=private_redis.url, EMBEDDED_QUEUE=False, RATELIMIT_STORAGE_URI="memory://")
    with fault_app.app_context():
        _confirmed("reader@example.com")
        private_redis.stop()
        item = _open_incident("Announced while Redis is down")  # the change itself commits
        assert db.session.get(Incident, item.id).title == "Announced while Redis is down"
        [event] = db.session.scalars(select(StatusEvent)).all()
        assert event.fanned_out_at is None  # the outbox row waits for the sweeper

        private_redis.start()
        assert events.sweep() == 0  # too young: its own enqueue might still be on the way
        db.session.execute(update(StatusEvent).values(created_at=utcnow() - timedelta(minutes=3)))
        db.session.commit()
        assert events.sweep() == 1
        assert events.sweep() == 0  # queued once
        run_queued(fault_app)
        [mail] = smtp.wait_for(1)
        assert mail["to"] == ["reader@example.com"] and "Announced while Redis is down" in mail["subject"]
        db.session.expire_all()
        assert db.session.get(StatusEvent, event.id).fanned_out_at is not None
        assert events.sweep() == 0


@pytest.mark.server_only
@pytest.mark.committed
def test_redis_down_when_someone_subscribes_they_are_told_to_try_again(make_fault_app, private_redis, smtp):
    fault_app = make_fault_app(REDIS_URL=private_redis.url, EMBEDDED_QUEUE=False, RATELIMIT_STORAGE_URI="memory://")
    client = fault_app.test_client()
    with fault_app.app_context():
        private_redis.stop()
        res = client.post("/api/status/subscribers", json={"email": "later@example.com"})
        assert res.status_code == 503 and res.get_json()["error"] == "unavailable"
        assert "try again" in res.get_json()["message"]
        private_redis.start()
        assert client.post("/api/status/subscribers", json={"email": "later@example.com"}).status_code == 202
        run_queued(fault_app)
        [mail] = smtp.wait_for(1)
        assert mail["to"] == ["later@example.com"] and "Confirm" in mail["subject"]
        assert len(db.session.scalars(select(StatusSubscriber)).all()) == 1
