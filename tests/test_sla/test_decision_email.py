"""The decision email is recorded (emailed_at), and a periodic sweeper sends the ones that were missed,
e.g. when queueing failed because Redis was unreachable at the moment of the decision."""
from __future__ import annotations

from datetime import timedelta

from redis import Redis

from app.common import tasks
from app.extensions import db
from app.models import SlaCreditRequest
from app.models.types import utcnow
from app.sla import staff as sla_staff
from tests.support.services import free_port, mail_parts
from tests.test_sla.conftest import Signed, payload


def _decide_while_redis_is_down(app, claim_id, staff):
    saved = app.extensions["levqor_redis"] if "levqor_redis" in app.extensions else tasks.connection(app)
    app.extensions["levqor_redis"] = Redis(port=free_port(), socket_connect_timeout=0.5)  # nothing listens
    try:
        res = staff.post(f"/api/admin/sla-credit/{claim_id}/decision",
                         json={"status": "rejected", "notes": "Our monitoring saw no outage."})
    finally:
        app.extensions["levqor_redis"] = saved
    return res


def test_a_decision_email_that_failed_to_queue_is_sent_by_the_sweeper(app, login, user, admin, sub, window, smtp,
                                                                       drain_queues):
    owner = Signed(app, login, user)
    claim_id = owner.post("/api/support/sla-credit", json=payload(sub, *window)).get_json()["request"]["id"]
    staff = Signed(app, login, admin)
    res = _decide_while_redis_is_down(app, claim_id, staff)
    assert res.status_code == 200 and res.get_json()["request"]["status"] == "rejected"  # the decision stands
    drain_queues()
    assert smtp.messages == []
    claim = db.session.get(SlaCreditRequest, claim_id)
    assert claim.emailed_at is None and "not sent yet" in staff.get(f"/admin/sla-credits/claim/{claim_id}").get_data(
        as_text=True)

    assert sla_staff.sweep_decision_emails() == 0  # a minute's grace for the original enqueue
    assert sla_staff.sweep_decision_emails(now=utcnow() + timedelta(minutes=2)) == 1
    drain_queues()
    [mail] = smtp.wait_for(1)
    assert mail["to"] == [user.email] and "Our monitoring saw no outage." in mail_parts(mail["message"])[0]
    db.session.expire_all()
    assert db.session.get(SlaCreditRequest, claim_id).emailed_at is not None
    assert sla_staff.sweep_decision_emails(now=utcnow() + timedelta(minutes=2)) == 0


def test_the_sweeper_is_a_declared_periodic_job(app):
    from jobs.schedule import PERIODIC_JOBS

    declared = {p.id: p for p in PERIODIC_JOBS}
    assert declared["sla-decision-emails"].cron == "*/10 * * * *"
    assert tasks.declared(declared["sla-decision-emails"].job).spec.queue == "default"  # a sweeper, not a send
