"""What the sweep keeps (README "Data kept"): an unconfirmed subscription goes once its newest link has
expired, not 7 days after its first request; unsubscribed ones after 30 days; delivery records after 90."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from app.extensions import db
from app.models import StatusEvent, StatusNotification, StatusSubscriber
from app.models.types import utcnow
from app.subscriptions.notify import sweep
from tests.test_subscriptions.conftest import confirm_from_mail


def _age(email: str, **ages: timedelta) -> None:
    now = utcnow()
    db.session.execute(update(StatusSubscriber).where(StatusSubscriber.email == email)
                       .values(**{column: now - age for column, age in ages.items()}))
    db.session.commit()


def _emails() -> set[str]:
    db.session.expire_all()
    return set(db.session.scalars(select(StatusSubscriber.email)))


def test_a_pending_address_keeps_its_newest_link_working(client, subscribe):
    """Asked 8 days ago and again yesterday: yesterday's link is good for 6 more days, so the row stays."""
    subscribe(client, email="slow@example.com")
    _age("slow@example.com", created_at=timedelta(days=8), updated_at=timedelta(days=8))
    newest = subscribe(client, email="slow@example.com")
    _age("slow@example.com", created_at=timedelta(days=8), updated_at=timedelta(days=1))
    subscribe(client, email="forgot@example.com")
    _age("forgot@example.com", created_at=timedelta(days=8), updated_at=timedelta(days=8))

    sweep()
    assert _emails() == {"slow@example.com"}
    assert "You are subscribed" in confirm_from_mail(client, newest)


def test_unsubscribed_after_30_days_and_deliveries_after_90_are_deleted(client, subscribe):
    now = utcnow()
    recent = StatusSubscriber(email="recent@example.com", confirmed_at=now, unsubscribed_at=now - timedelta(days=29))
    old = StatusSubscriber(email="old@example.com", confirmed_at=now, unsubscribed_at=now - timedelta(days=31))
    reader = StatusSubscriber(email="reader@example.com", confirmed_at=now - timedelta(days=100))
    event = StatusEvent(kind="incident.created", subject_type="incident", subject_id=1)
    db.session.add_all([recent, old, reader, event])
    db.session.flush()
    db.session.add_all([
        StatusNotification(event_id=event.id, subscriber_id=reader.id, status="sent",
                           created_at=now - timedelta(days=91)),
        StatusNotification(event_id=event.id, subscriber_id=recent.id, status="sent",
                           created_at=now - timedelta(days=89)),
    ])
    db.session.commit()

    result = sweep()
    assert _emails() == {"recent@example.com", "reader@example.com"}
    assert [n.subscriber_id for n in db.session.scalars(select(StatusNotification))] == [recent.id]
    assert (result["subscribers_pruned"], result["deliveries_pruned"]) == (1, 1)
