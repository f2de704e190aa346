"""What status subscribers are told about: an outbox of events, written in the same transaction as
the incident or maintenance change, then handed to the fan-out job once committed.

If that hand-off fails (Redis down, a crash between commit and enqueue), the row stays unsent and
`sweep()` hands it over again, so a notification is late rather than lost. Fan-out and delivery are
idempotent per (event, subscriber), so handing an event over twice never mails anyone twice.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from app.common import tasks
from app.extensions import db
from app.models import StatusEvent
from app.models.types import utcnow

log = logging.getLogger(__name__)
FANOUT_JOB = "status.fanout"
SWEEP_AFTER = timedelta(minutes=2)  # younger events may still be on their way through the queue
GIVE_UP_AFTER = timedelta(days=1)  # older news is no longer worth announcing
_RECORDED = "levqor_status_events"


def record(kind: str, subject_type: str, subject_id: int, components: list[str] | None,
           update_id: int | None = None) -> StatusEvent:
    """Add the event to the current transaction: it exists exactly when the change does."""
    event = StatusEvent(kind=kind, subject_type=subject_type, subject_id=subject_id, update_id=update_id,
                        components=list(components or []))
    db.session.add(event)
    db.session.info.setdefault(_RECORDED, []).append(event)
    return event


def dispatch_recorded() -> int:
    """After the commit: hand the events this session recorded to the fan-out job (best effort: a
    lost enqueue is the sweeper's)."""
    # An event without an id was rolled back before it was flushed.
    return sum(tasks.try_enqueue(FANOUT_JOB, event.id, key=(event.id,))
               for event in db.session.info.pop(_RECORDED, []) if event.id is not None)


def sweep() -> int:
    """Hand over events the fan-out never took, oldest first. One whose fan-out RQ still holds in any
    state is left alone: queued or retrying, it is on its way; failed for good, it waits in the failed
    registry for ops (as every sweeper here does), rather than being retried every minute."""
    now = utcnow()
    rows = db.session.scalars(select(StatusEvent.id).where(
        StatusEvent.fanned_out_at.is_(None), StatusEvent.created_at < now - SWEEP_AFTER,
        StatusEvent.created_at >= now - GIVE_UP_AFTER).order_by(StatusEvent.id)).all()
    return sum(tasks.enqueue_unless_present(FANOUT_JOB, event_id, key=(event_id,)) for event_id in rows)
