from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import JSONType, UTCDateTime

COMPONENTS = ("api", "frontend", "database", "stripe", "workflows")
COMPONENT_NAMES = {"api": "API", "frontend": "Frontend", "database": "Database", "stripe": "Stripe (payments)",
                   "workflows": "Workflows"}
LEVELS = ("up", "degraded", "down", "unknown")
# Where each component's level is stored on a snapshot ("overall" is the service as a whole).
COLUMNS = {"api": "api_status", "frontend": "frontend_status", "database": "db_status",
           "stripe": "stripe_status", "workflows": "workflows_status", "overall": "overall_status"}
# How bad a level is; the worst of several is what a page shows. Below 0 is "not measured": unknown (a
# check that is not configured) ranks above no_data (no check ran) so a slot says which it was, and
# neither ever makes a measured level worse.
LEVEL_RANK = {"no_data": -2, "unknown": -1, "maintenance": -1, "up": 0, "degraded": 1, "down": 2}
MEASURED = ("up", "degraded", "down")


def worst_level(levels, default: str | None = "unknown") -> str | None:
    """The worst measured level among `levels` (up < degraded < down); `default` when none was measured."""
    measured = [level for level in levels if level in MEASURED]
    return max(measured, key=LEVEL_RANK.__getitem__) if measured else default


def worse_of(levels) -> str:
    """The worst of `levels` by LEVEL_RANK, not-measured levels included (for declared states)."""
    return max(levels, key=lambda level: LEVEL_RANK.get(level, -1))


def declared_statuses(update) -> dict[str, str]:
    """{component: Statuspage status} an incident update declared: an IncidentUpdate row, its JSON, or
    the copy revived from the cache (attribute access)."""
    value = (update.get("components") if isinstance(update, dict) else getattr(update, "components", None)) or {}
    return value if isinstance(value, dict) else vars(value)


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

    @property
    def levels(self) -> dict[str, str]:
        """{component: level} of this check."""
        return {c: getattr(self, COLUMNS[c]) for c in COMPONENTS}

    @staticmethod
    def level_columns(levels: dict[str, str]) -> dict[str, str]:
        """The column values that store {component: level}."""
        return {COLUMNS[c]: levels[c] for c in COMPONENTS}

    @staticmethod
    def column(component: str):
        """The mapped column holding `component`'s level (or "overall")."""
        return getattr(StatusSnapshot, COLUMNS[component])


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
    # What happened and what changes, written by staff once the incident is resolved (app/status/postmortems.py).
    postmortem_body: Mapped[str | None] = mapped_column(Text)
    postmortem_published_at = mapped_column(UTCDateTime)

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
    # What this update declared per component, in Statuspage's words ({"api": "partial_outage"}); it holds
    # until a later update names the component again or the incident is resolved. None: no change.
    components = mapped_column(JSONType)

    incident = relationship("Incident", back_populates="updates")


class IncidentTemplate(db.Model):
    """Words staff keep ready for the bad hour: picked when opening an incident (title, impact,
    components, message) or updating one (the message)."""

    __tablename__ = "incident_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    impact: Mapped[str] = mapped_column(String(16), nullable=False, server_default="minor")
    components = mapped_column(JSONType)  # as for incidents; empty → the whole service
    message: Mapped[str] = mapped_column(Text, nullable=False)
    created_at = mapped_column(UTCDateTime, nullable=False, server_default=func.now())
    updated_at = mapped_column(UTCDateTime, nullable=False, server_default=func.now(), onupdate=func.now())

    def __str__(self) -> str:
        return self.name
