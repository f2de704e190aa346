"""Redis down when a message is posted on an SLA claim (issue 21): the message stands, nothing records a
mail that did not go, and once Redis is back the periodic sweeper sends it exactly once (aiosmtpd)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.extensions import db
from app.models import SlaClaimMessage, SlaCreditRequest, Subscription
from app.models.sla_thread import MessageSide
from app.models.types import utcnow
from app.sla import emails, thread
from tests.support.factories import make_user
from tests.support.services import run_queued

pytestmark = [pytest.mark.server_only, pytest.mark.committed]


def test_a_message_posted_while_redis_is_down_is_emailed_later_by_the_sweeper(make_fault_app, private_redis, smtp):
    fault_app = make_fault_app(REDIS_URL=private_redis.url, EMBEDDED_QUEUE=False, RATELIMIT_STORAGE_URI="memory://")
    with fault_app.app_context():
        user = make_user("thread-lost@example.com", "thread-lost-password")
        staff = make_user("thread-staff@example.com", "thread-staff-password", is_admin=True)
        now = utcnow()
        sub = Subscription(user_id=user.id, plan="pro", status="active", price_amount=4900, currency="USD",
                           current_period_start=now - timedelta(days=10), current_period_end=now + timedelta(days=20))
        db.session.add(sub)
        db.session.flush()
        claim = SlaCreditRequest(user_id=user.id, subscription_id=sub.id, period_start=now - timedelta(days=2),
                                 period_end=now - timedelta(days=2) + timedelta(hours=1), description="down")
        db.session.add(claim)
        db.session.commit()

        private_redis.stop()
        message = thread.post(claim.id, staff, {"body": "We are looking at it."}, MessageSide.SUPPORT)
        db.session.expire_all()
        assert db.session.get(SlaClaimMessage, message.id).emailed_at is None and smtp.messages == []

        private_redis.start()  # back, and empty
        assert emails.sweep() == 0  # a minute's grace for the original enqueue
        later = utcnow() + timedelta(minutes=2)
        assert emails.sweep(now=later) == 1
        assert emails.sweep(now=later) == 0  # queued once
        run_queued(fault_app)
        [mail] = smtp.wait_for(1)
        assert mail["to"] == [user.email] and "We are looking at it." in mail["message"].get_body().get_content()
        db.session.expire_all()
        assert db.session.get(SlaClaimMessage, message.id).emailed_at is not None
        assert emails.sweep(now=later) == 0
        run_queued(fault_app)
        assert len(smtp.messages) == 1
