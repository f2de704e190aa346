from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import JSONType, UTCDateTime

COMPONENTS = ("api", "frontend", "database", "stripe", "workflows")
LEVELS = ("up", "degraded", "down", "unknown")
INCIDENT_STATUSES = ("investigating", "identified", "monitoring", "resolved")
INCIDENT_IMPACTS = ("minor", "major", "critical")


class StatusSnapshot(db.Model):
    __tablename__ = "status_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    ts = mapped_column(UTCDateTime, nullable=False, server_default=func.now())
    overall_status: Mapped[str] = mapped_column(String(16), nullable=False)
    api_status: Mapped[str] = mapped_column(String(16), nullable=False, server_default="unknown")
    frontend_status: Mapped[str] = mapped_column(String(16), nullable=False, server_default="unknown")
    db_status: Mapped[str] = mapped_column(String(16), nullable=False, server_default="unknown")
    stripe_status: Mapped[str] = mapped_column(String(16), nullable=False, server_default="unknown")
    workflows_status: Mapped[str] = mapped_column(String(16), nullable=False, server_default="unknown")
    notes: Mapped[str | None] = mapped_column(Text)
    # Per component: {"api": {"latency_ms": 12, "error": null}, ...}
    details = mapped_column(JSONType)

    __table_args__ = (Index("ix_status_snapshots_ts", "ts"),)


class StatusRollup(db.Model):
    """Hourly and daily counts per component, kept long after raw snapshots are pruned."""

    __tablename__ = "status_rollups"

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(8), nullable=False)  # "hour" | "day"
    bucket_start = mapped_column(UTCDateTime, nullable=False)
    component: Mapped[str] = mapped_column(String(16), nullable=False)
    up: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0", default=0)
    degraded: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0", default=0)
    down: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0", default=0)
    no_data: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0", default=0)

    __table_args__ = (UniqueConstraint("period", "bucket_start", "component", name="uq_status_rollups_bucket"),)


class Incident(db.Model):
    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, server_default="investigating")
    impact: Mapped[str] = mapped_column(String(16), nullable=False, server_default="minor")
    components = mapped_column(JSONType)  # list of COMPONENTS; empty → the whole service
    message: Mapped[str | None] = mapped_column(Text)
    started_at = mapped_column(UTCDateTime, nullable=False, server_default=func.now())
    resolved_at = mapped_column(UTCDateTime)
    updated_at = mapped_column(UTCDateTime, nullable=False, server_default=func.now(), onupdate=func.now())

    updates = relationship(
        "IncidentUpdate", back_populates="incident",
        order_by=lambda: (IncidentUpdate.created_at.desc(), IncidentUpdate.id.desc()),
        cascade="all, delete-orphan",
    )

    __table_args__ = (Index("ix_incidents_status_started_at", "status", "started_at"),)

    def __str__(self) -> str:
        return self.title


class IncidentUpdate(db.Model):
    __tablename__ = "incident_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False)
    created_at = mapped_column(UTCDateTime, nullable=False, server_default=func.now())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    incident = relationship("Incident", back_populates="updates")
