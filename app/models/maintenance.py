"""Scheduled maintenance: planned work announced on the status page and excluded from uptime."""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import JSONType, UTCDateTime


class MaintenanceStatus(StrEnum):
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    VERIFYING = "verifying"
    COMPLETED = "completed"
    CANCELED = "canceled"


class ScheduledMaintenance(db.Model):
    """scheduled → in_progress → completed by the clock (starts_at, ends_at), unless staff complete it
    early (ended_at) or cancel it. `status` is kept in step by a periodic job; `state_at(now)` is the
    truth at any moment, so a page never waits for that job."""

    __tablename__ = "scheduled_maintenances"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    message: Mapped[str | None] = mapped_column(Text)
    components = mapped_column(JSONType)  # list of COMPONENTS; empty → the whole service
    starts_at = mapped_column(UTCDateTime, nullable=False)
    ends_at = mapped_column(UTCDateTime, nullable=False)
    ended_at = mapped_column(UTCDateTime)  # staff completed it early
    reminded_at = mapped_column(UTCDateTime)  # subscribers were reminded (app/status/maintenance_reminders.py)
    status: Mapped[str] = mapped_column(String(16), nullable=False, server_default=MaintenanceStatus.SCHEDULED)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at = mapped_column(UTCDateTime, nullable=False, server_default=func.now())
    updated_at = mapped_column(UTCDateTime, nullable=False, server_default=func.now(), onupdate=func.now())

    __table_args__ = (Index("ix_scheduled_maintenances_window", "starts_at", "ends_at"),)

    updates = relationship("MaintenanceUpdate", back_populates="maintenance", cascade="all, delete-orphan",
                           order_by=lambda: (MaintenanceUpdate.created_at.desc(), MaintenanceUpdate.id.desc()))

    def __str__(self) -> str:
        return self.title

    def state_at(self, now: datetime) -> MaintenanceStatus:
        if self.status in (MaintenanceStatus.CANCELED, MaintenanceStatus.COMPLETED):
            return MaintenanceStatus(self.status)
        if now >= self.ends_at:
            return MaintenanceStatus.COMPLETED
        if now >= self.starts_at:  # staff may have said "verifying" meanwhile (maintenance_updates)
            return MaintenanceStatus.VERIFYING if self.status == MaintenanceStatus.VERIFYING else \
                MaintenanceStatus.IN_PROGRESS
        return MaintenanceStatus.SCHEDULED

    def window_end(self) -> datetime:
        """When the work really ended (early completion) or is planned to."""
        return self.ended_at or self.ends_at

    def affects(self, component: str) -> bool:
        return not self.components or component in self.components

    def can_edit(self, now: datetime) -> bool:
        return self.state_at(now) == MaintenanceStatus.SCHEDULED

    def can_cancel(self, now: datetime) -> bool:
        return self.state_at(now) == MaintenanceStatus.SCHEDULED

    def is_running(self, now: datetime) -> bool:
        """In progress or verifying: the window is open and the work is under way."""
        return self.state_at(now) in (MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.VERIFYING)

    def can_complete(self, now: datetime) -> bool:
        return self.is_running(now)


class MaintenanceUpdate(db.Model):
    """What staff said while the window ran: in_progress → verifying → completed, each with a message;
    `ends_at` when that update extended the window."""

    __tablename__ = "maintenance_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    maintenance_id: Mapped[int] = mapped_column(ForeignKey("scheduled_maintenances.id", ondelete="CASCADE"),
                                                index=True, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False)
    ends_at = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at = mapped_column(UTCDateTime, nullable=False, server_default=func.now())

    maintenance = relationship("ScheduledMaintenance", back_populates="updates")
