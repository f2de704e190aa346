"""An erasure request (GDPR Art. 17) and its life: scheduled after a grace period the person can cancel
in, held by staff with a reason the person is told, then run by a job until nothing erasable is left."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import StrEnumType, UTCDateTime, utcnow


class ErasureStatus(StrEnum):
    SCHEDULED = "scheduled"  # waiting for scheduled_for; the person may cancel
    HELD = "held"            # staff stopped the clock (hold_reason says why; the person is told)
    RUNNING = "running"      # the job is erasing (it may be retrying: see error)
    CANCELED = "canceled"    # the person canceled before it ran
    COMPLETED = "completed"  # nothing erasable is left


class ErasureRefused(ValueError):
    """A transition the request's state does not allow; services turn it into a 409."""


CANCELABLE = (ErasureStatus.SCHEDULED, ErasureStatus.HELD)
ACTIVE = (ErasureStatus.SCHEDULED, ErasureStatus.HELD, ErasureStatus.RUNNING)


class ErasureRequest(db.Model):
    __tablename__ = "dsar_erasures"
    audit_type = "dsar_erasure"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The user row stays (anonymised), so the request stays linked to the erased account's id.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    status: Mapped[ErasureStatus] = mapped_column(StrEnumType(ErasureStatus, 16), nullable=False,
                                                  server_default="scheduled", default=ErasureStatus.SCHEDULED)
    requested_at = mapped_column(UTCDateTime, nullable=False, server_default=func.now())
    scheduled_for = mapped_column(UTCDateTime, nullable=False)
    canceled_at = mapped_column(UTCDateTime)
    held_at = mapped_column(UTCDateTime)
    hold_reason: Mapped[str | None] = mapped_column(Text)
    held_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    started_at = mapped_column(UTCDateTime)
    completed_at = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0", default=0)
    error: Mapped[str | None] = mapped_column(Text)  # why the last attempt stopped (shown to staff)
    # The old address, kept only until the final email is accepted by the relay, then cleared.
    notify_email: Mapped[str | None] = mapped_column(String(320))
    scheduled_emailed_at = mapped_column(UTCDateTime)
    final_emailed_at = mapped_column(UTCDateTime)

    # Loaded on access (the console's user column): a joined load would break SELECT … FOR UPDATE.
    user = relationship("User", foreign_keys=[user_id], lazy="select")

    __table_args__ = (
        Index("ix_dsar_erasures_user_id", "user_id"),
        Index("ix_dsar_erasures_status_scheduled_for", "status", "scheduled_for"),
    )

    @classmethod
    def locked(cls, erasure_id: int) -> ErasureRequest | None:
        """The request, its row locked until commit: two jobs or clicks never act on it at once."""
        return db.session.execute(db.select(cls).where(cls.id == erasure_id).with_for_update()).scalar_one_or_none()

    def is_due(self, now: datetime | None = None) -> bool:
        return self.status == ErasureStatus.SCHEDULED and self.scheduled_for <= (now or utcnow())

    def _require(self, allowed, action: str) -> None:
        if self.status not in allowed:
            raise ErasureRefused(f"This erasure is {self.status}; it cannot be {action}.")

    def cancel(self, now: datetime) -> None:
        self._require(CANCELABLE, "canceled")
        self.status, self.canceled_at = ErasureStatus.CANCELED, now

    def hold(self, now: datetime, reason: str, actor_id: int) -> None:
        self._require((ErasureStatus.SCHEDULED, ErasureStatus.HELD), "held")
        self.status, self.held_at, self.hold_reason, self.held_by_id = ErasureStatus.HELD, now, reason, actor_id

    def release(self, now: datetime, grace_minimum) -> None:
        """Back on the clock; never due sooner than `grace_minimum` from now, so the person can still react."""
        self._require((ErasureStatus.HELD,), "released")
        self.status, self.hold_reason = ErasureStatus.SCHEDULED, None
        self.scheduled_for = max(self.scheduled_for, now + grace_minimum)

    def start(self, now: datetime) -> None:
        self._require((ErasureStatus.SCHEDULED, ErasureStatus.RUNNING), "started")
        self.status = ErasureStatus.RUNNING
        self.started_at = self.started_at or now
        self.attempts = (self.attempts or 0) + 1

    def complete(self, now: datetime) -> None:
        self._require((ErasureStatus.RUNNING,), "completed")
        self.status, self.completed_at, self.error = ErasureStatus.COMPLETED, now, None
