"""A DSAR export and its life: the states, the transitions between them, and the rules read off them
(is the link live, is the export overdue, does it count against the throttle) in one place."""
from __future__ import annotations

import calendar
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, and_, func, or_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import StrEnumType, UTCDateTime, utcnow


class ExportStatus(StrEnum):
    """Stored as these strings (the platform reads the column with plain SQL)."""

    PENDING = "pending"          # requested; the job has not started (or waits for its retry)
    RUNNING = "running"          # the job is building the archive
    READY = "ready"              # archive stored, link signed (it may have lapsed: see link_state)
    FAILED = "failed"            # the last retry failed; nothing was delivered
    EXPIRED = "expired"          # the link lapsed and the archive was deleted
    INVALIDATED = "invalidated"  # staff withdrew the link and deleted the archive


class LinkState(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    INVALIDATED = "invalidated"
    NONE = "none"  # no link yet, or the export failed


class TransitionRefused(ValueError):
    """A transition the export's state does not allow; services turn it into a 409."""


OPEN = (ExportStatus.PENDING, ExportStatus.RUNNING)
# States whose archive was delivered at some point (the GDPR clock stops at completed_at).
DELIVERED = (ExportStatus.READY, ExportStatus.EXPIRED, ExportStatus.INVALIDATED)
# Art. 12(3): the deadline may be extended once, by up to two further months.
MAX_EXTENSION_MONTHS = 2


class DsarExport(db.Model):
    __tablename__ = "dsar_exports"
    audit_type = "dsar_export"  # audit_log.target_type of rows about an export (app.common.audit.Target)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    status: Mapped[ExportStatus] = mapped_column(StrEnumType(ExportStatus, 16), nullable=False,
                                                 server_default="pending", default=ExportStatus.PENDING)
    requested_at = mapped_column(UTCDateTime, nullable=False, server_default=func.now())
    started_at = mapped_column(UTCDateTime)
    completed_at = mapped_column(UTCDateTime)
    due_at = mapped_column(UTCDateTime)  # GDPR deadline: requested_at + 30 days (+ an extension)
    downloaded_at = mapped_column(UTCDateTime)  # the owner's first download
    extended_at = mapped_column(UTCDateTime)  # when staff extended the deadline (at most once)
    extension_reason: Mapped[str | None] = mapped_column(Text)
    extended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    expires_at = mapped_column(UTCDateTime)  # when the download link stops working
    download_url: Mapped[str | None] = mapped_column(Text)
    storage_key: Mapped[str | None] = mapped_column(String(255))
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0", default=0)
    emailed_at = mapped_column(UTCDateTime)  # the "ready" mail: set once the relay accepted it
    failure_emailed_at = mapped_column(UTCDateTime)  # the "could not be completed" mail, likewise
    extension_emailed_at = mapped_column(UTCDateTime)  # the Art. 12(3) extension mail, likewise
    error: Mapped[str | None] = mapped_column(Text)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(Text)  # why staff exported on the user's behalf

    user = relationship("User", foreign_keys=[user_id], lazy="joined")

    __table_args__ = (
        Index("ix_dsar_exports_user_id_requested_at", "user_id", "requested_at"),
        Index("ix_dsar_exports_status_requested_at", "status", "requested_at"),
        Index("ix_dsar_exports_requested_at", "requested_at"),
    )

    # --- rules --------------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        """Still to be built (the job may run it)."""
        return self.status in OPEN

    def is_downloadable(self, now: datetime | None = None) -> bool:
        return (self.status == ExportStatus.READY and self.expires_at is not None
                and self.expires_at > (now or utcnow()))

    def link_state(self, now: datetime | None = None) -> LinkState:
        if self.status == ExportStatus.INVALIDATED:
            return LinkState.INVALIDATED
        if self.status == ExportStatus.READY:
            return LinkState.ACTIVE if self.is_downloadable(now) else LinkState.EXPIRED
        return LinkState.EXPIRED if self.status == ExportStatus.EXPIRED else LinkState.NONE

    @property
    def link_is_gone(self) -> bool:
        """A link was handed out and no longer works (410, not 404)."""
        return self.link_state() in (LinkState.EXPIRED, LinkState.INVALIDATED)

    def is_overdue(self, now: datetime | None = None) -> bool:
        """Not delivered within the GDPR deadline (due_at)."""
        if self.due_at is None:
            return False
        delivered = self.completed_at if self.status in DELIVERED else None
        return (delivered or now or utcnow()) > self.due_at

    def counts_for_throttle(self, now: datetime | None = None) -> bool:
        """Only an export that delivered or can still deliver blocks a new request: one being built,
        one with a live link, or one the owner downloaded. Failed, expired-unused and withdrawn
        exports gave the person nothing, so they do not count."""
        return self.is_open or self.is_downloadable(now) or self.downloaded_at is not None

    @classmethod
    def counts_for_throttle_clause(cls, now: datetime):
        """counts_for_throttle() as SQL, for the throttle's query."""
        return or_(cls.status.in_(OPEN), and_(cls.status == ExportStatus.READY, cls.expires_at > now),
                   cls.downloaded_at.is_not(None))

    def throttle_reason(self) -> str:
        """Why this export blocks a new one: in_progress | ready | downloaded."""
        if self.is_open:
            return "in_progress"
        return "ready" if self.downloaded_at is None else "downloaded"

    def extension_refused(self, now: datetime | None = None) -> str | None:
        """Why the deadline cannot be extended (a machine code), or None when it can."""
        if self.extended_at is not None:
            return "already_extended"
        if self.status in DELIVERED:
            return "already_delivered"
        if self.due_at is None or self.due_at <= (now or utcnow()):
            return "deadline_passed"  # Art. 12(3): the extension is announced within the first month
        return None

    @property
    def can_be_resent(self) -> bool:
        return self.is_downloadable()

    @property
    def can_be_invalidated(self) -> bool:
        return self.status not in (ExportStatus.INVALIDATED, ExportStatus.EXPIRED)

    # --- transitions --------------------------------------------------------------------------

    def _require(self, allowed, action: str) -> None:
        if self.status not in allowed:
            raise TransitionRefused(f"Export {self.id} is {self.status}; it cannot be {action}.")

    def mark_running(self, now: datetime, storage_key: str) -> None:
        self._require(OPEN, "started")
        self.status = ExportStatus.RUNNING
        self.started_at = now
        self.attempts = (self.attempts or 0) + 1
        self.storage_key = self.storage_key or storage_key

    def mark_ready(self, now: datetime, link_lifetime: timedelta, url: str, size_bytes: int) -> None:
        self._require((ExportStatus.RUNNING,), "marked ready")
        self.status = ExportStatus.READY
        self.completed_at = now
        self.expires_at = now + link_lifetime
        self.download_url = url
        self.size_bytes = size_bytes
        self.error = None

    def mark_retrying(self, error: str) -> None:
        """An attempt failed and RQ will retry: back to pending, the error kept for staff."""
        self._require((ExportStatus.RUNNING,), "retried")
        self.status = ExportStatus.PENDING
        self.error = f"Attempt {self.attempts} failed, retrying: {error}"

    def mark_failed(self, error: str) -> None:
        self._require(OPEN, "failed")
        self.status = ExportStatus.FAILED
        self.error = error

    def mark_downloaded(self, now: datetime) -> None:
        self.downloaded_at = self.downloaded_at or now

    def extend_deadline(self, now: datetime, months: int, reason: str, actor_id: int) -> datetime:
        """Move due_at by `months` (1 or 2) calendar months, once; returns the previous due_at."""
        refused = self.extension_refused(now)
        if refused:
            raise TransitionRefused(refused)
        if not 1 <= months <= MAX_EXTENSION_MONTHS:
            raise TransitionRefused("bad_months")
        previous = self.due_at
        self.due_at = add_months(previous, months)
        self.extended_at, self.extension_reason, self.extended_by_id = now, reason, actor_id
        return previous

    def mark_expired(self) -> None:
        self._require((ExportStatus.READY,), "expired")
        self.status = ExportStatus.EXPIRED
        self.download_url = None

    def invalidate(self) -> ExportStatus:
        """Withdraw the link; returns the previous status."""
        if not self.can_be_invalidated:
            raise TransitionRefused(f"Export {self.id} is already {self.status}.")
        previous, self.status, self.download_url = self.status, ExportStatus.INVALIDATED, None
        return previous


def add_months(value: datetime, months: int) -> datetime:
    """Calendar months, clamped to the month's last day (31 January + 1 month = 28/29 February)."""
    month0 = value.month - 1 + months
    year, month = value.year + month0 // 12, month0 % 12 + 1
    day = min(value.day, calendar.monthrange(year, month)[1])
    return value.replace(year=year, month=month, day=day)
