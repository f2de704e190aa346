"""At most once per (event, subscriber): a delivery is claimed before it is sent, and only the job
that claimed it sends. New rows are inserted as `sending` (a duplicate insert is ignored); a `failed`
row is taken back to `sending` by a retry. A row left `sending` by a crash is never sent again: a
missed notification is visible in the console, a duplicate one could not be taken back."""
from __future__ import annotations

from sqlalchemy import and_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.extensions import db
from app.models import DeliveryStatus, StatusNotification
from app.models.types import utcnow


def _insert():
    return (pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert)(StatusNotification)


def claim(event_id: int, subscriber_ids: list[int], webhook: bool = False) -> list[int]:
    """The ids of `subscriber_ids` this caller now holds for the event (committed)."""
    if not subscriber_ids:
        return []
    now = utcnow()
    new = db.session.execute(
        _insert().values([{"event_id": event_id, "subscriber_id": sid, "status": DeliveryStatus.SENDING,
                           "created_at": now} for sid in subscriber_ids])
        .on_conflict_do_nothing(index_elements=["event_id", "subscriber_id"])
        .returning(StatusNotification.subscriber_id)).scalars().all()
    again = db.session.execute(
        update(StatusNotification)
        .where(StatusNotification.event_id == event_id, StatusNotification.subscriber_id.in_(subscriber_ids),
               StatusNotification.status == DeliveryStatus.FAILED)
        .values(status=DeliveryStatus.SENDING).returning(StatusNotification.subscriber_id)).scalars().all()
    db.session.commit()
    held = set(new) | set(again)
    return [sid for sid in subscriber_ids if sid in held]


def mark(event_id: int, subscriber_ids: list[int], status: DeliveryStatus, error: str | None = None) -> None:
    """Record the outcome of claimed sends (and whatever else the session holds) and commit."""
    if subscriber_ids:
        values = {"status": status, "attempts": StatusNotification.attempts + 1, "last_error": error}
        if status == DeliveryStatus.SENT:
            values["sent_at"] = utcnow()
        db.session.execute(update(StatusNotification).where(and_(
            StatusNotification.event_id == event_id, StatusNotification.subscriber_id.in_(subscriber_ids)))
            .values(**values))
    db.session.commit()
