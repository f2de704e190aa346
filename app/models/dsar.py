from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime

# Statuses that count against the one-export-per-30-days throttle (failed ones do not).
THROTTLED_STATUSES = ("pending", "running", "ready", "expired", "invalidated")
DSAR_STATUSES = ("pending", "running", "ready", "failed", "expired", "invalidated")


class DsarExport(db.Model):
    __tablename__ = "dsar_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, server_default="pending")
    requested_at = mapped_column(UTCDateTime, nullable=False, server_default=func.now())
    started_at = mapped_column(UTCDateTime)
    completed_at = mapped_column(UTCDateTime)
    due_at = mapped_column(UTCDateTime)  # GDPR deadline: requested_at + 30 days
    expires_at = mapped_column(UTCDateTime)  # when the download link stops working
    download_url: Mapped[str | None] = mapped_column(Text)
    storage_key: Mapped[str | None] = mapped_column(String(255))
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0", default=0)
    emailed_at = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(Text)  # why staff exported on the user's behalf

    user = relationship("User", foreign_keys=[user_id], lazy="joined")

    __table_args__ = (
        Index("ix_dsar_exports_user_id_requested_at", "user_id", "requested_at"),
        Index("ix_dsar_exports_status_requested_at", "status", "requested_at"),
        Index("ix_dsar_exports_requested_at", "requested_at"),
    )
