"""Draft incidents in the bad hour (issue 24, point 1), on real parts: Redis (a private redis-server)
is down while the checks fail, and the mail relay (an aiosmtpd this test owns) is down when the
on-call mail is due. The draft is raised once and the on-call mail is sent once, when the part is back."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from app.extensions import db
from app.models import IncidentDraft, StatusSnapshot
from app.models.status import COMPONENTS
from app.models.types import utcnow
from app.status import drafts, snapshots
from jobs.status_notify import notify_sweep_job
from tests.reliability.test_mail_outage import relay  # noqa: F401  (fixture)
from tests.support.services import SmtpServer, _Handler, _import_aiosmtpd_controller, free_port, run_queued
from tests.test_dsar.helpers import fast_forward_retries

ONCALL = "oncall@example.com, lead@example.com"


def _drafts() -> list[IncidentDraft]:
    db.session.expire_all()
    return db.session.scalars(select(IncidentDraft).order_by(IncidentDraft.id)).all()


def _age_drafts() -> None:
    db.session.execute(update(IncidentDraft).values(created_at=utcnow() - timedelta(minutes=3)))
    db.session.commit()


def _check(ts, **down) -> StatusSnapshot:
    levels = {c: "up" for c in COMPONENTS} | down
    snap = StatusSnapshot(ts=ts, overall_status="down", **StatusSnapshot.level_columns(levels), details={})
    db.session.add(snap)
    db.session.commit()
    return snap


@pytest.mark.server_only
@pytest.mark.committed
def test_redis_down_while_checks_fail_the_on_call_mail_goes_once_redis_is_back(make_fault_app, private_redis, smtp):
    dead = f"http://127.0.0.1:{free_port()}/healthz"  # nothing listens: the API check fails
    fault_app = make_fault_app(REDIS_URL=private_redis.url, EMBEDDED_QUEUE=False, RATELIMIT_STORAGE_URI="memory://",
                               STATUS_ONCALL_EMAILS=ONCALL, API_HEALTH_URL=dead, STATUS_CHECK_TIMEOUT=1,
                               STATUS_RETRY_DELAY=0.1)
    with fault_app.app_context():
        private_redis.stop()
        for _ in range(3):  # three failing checks while Redis is away (the workflows check fails too)
            snap = snapshots.record_snapshot(fault_app)
            assert snap.api_status == "down"
        [draft] = _drafts()
        assert draft.status == "open" and "api" in draft.components and draft.oncall_mailed_at is None
        assert smtp.messages == []
        title = draft.title

        private_redis.start()
        _age_drafts()
        assert notify_sweep_job()["oncall_drafts"] == 1  # the every-minute sweeper hands it over
        assert drafts.sweep() == 0  # queued once
        run_queued(fault_app)
        mails = smtp.wait_for(2)
        assert sorted(m["to"][0] for m in mails) == ["lead@example.com", "oncall@example.com"]
        assert all(title in m["subject"] for m in mails)

        snapshots.record_snapshot(fault_app)  # still failing, Redis back: no second draft, no second mail
        assert len(_drafts()) == 1 and _drafts()[0].oncall_mailed_at is not None
        assert drafts.sweep() == 0
        run_queued(fault_app)
        assert len(smtp.messages) == 2


def test_relay_down_when_the_on_call_mail_is_due_it_is_retried_and_sent_once(
        app, configure, relay, drain_queues):  # noqa: F811
    configure(STATUS_ONCALL_EMAILS="oncall@example.com")
    start = utcnow() - timedelta(minutes=10)
    _check(start, database="down")
    second = _check(start + timedelta(minutes=5), database="down")
    relay.stop()
    draft = drafts.evaluate(second.id)
    drain_queues()  # the job fails against the stopped relay and waits for its retry
    assert _drafts()[0].oncall_mailed_at is None
    assert drafts.sweep() == 0  # its job is waiting to be retried: the sweeper leaves it alone

    relay.start()
    fast_forward_retries("mail")
    drain_queues()
    [mail] = relay.box.wait_for(1)
    assert mail["to"] == ["oncall@example.com"] and "Database down" in mail["subject"]
    assert _drafts()[0].oncall_mailed_at is not None
    fast_forward_retries("mail")
    drain_queues()
    assert len(relay.box.messages) == 1
    assert db.session.scalar(select(func.count(IncidentDraft.id))) == 1 and draft.id == _drafts()[0].id


class _RefusesOnceHandler(_Handler):
    """The relay turns `address` away once (451, try later), then accepts it: a retry must not mail
    the addresses it had already taken."""

    def __init__(self, box: SmtpServer, address: str):
        super().__init__(box)
        self.address, self.refused = address, 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == self.address and not self.refused:
            self.refused += 1
            return "451 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_a_relay_refusing_one_on_call_address_retries_only_that_one(app, configure, drain_queues):
    configure(STATUS_ONCALL_EMAILS="oncall@example.com, lead@example.com")
    box = SmtpServer(port=free_port())
    handler = _RefusesOnceHandler(box, "lead@example.com")
    controller = _import_aiosmtpd_controller()(handler, hostname="127.0.0.1", port=box.port)
    controller.start()
    state = app.extensions["mail"]
    saved, state.port = state.port, box.port
    try:
        start = utcnow() - timedelta(minutes=10)
        _check(start, stripe="down")
        drafts.evaluate(_check(start + timedelta(minutes=5), stripe="down").id)
        drain_queues()
        assert [m["to"] for m in box.wait_for(1)] == [["oncall@example.com"]] and handler.refused == 1
        assert _drafts()[0].oncall_mailed_at is None and _drafts()[0].oncall_mailed_to == ["oncall@example.com"]
        fast_forward_retries("mail")
        drain_queues()
        box.wait_for(2)
        assert sorted(m["to"][0] for m in box.messages) == ["lead@example.com", "oncall@example.com"]
        assert _drafts()[0].oncall_mailed_at is not None
    finally:
        state.port = saved
        controller.stop()
