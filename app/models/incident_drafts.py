"""Draft incidents: raised by the checks (two failing checks in a row), seen only by staff until published."""
from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import JSONType, UTCDateTime

DRAFT_STATES = ("open", "published", "dismissed", "recovered")


class IncidentDraft(db.Model):
    """open → published (an incident was opened from it) / dismissed (staff) / recovered (its components
    came back before anyone acted: "recovered by itself")."""

    __tablename__ = "incident_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    impact: Mapped[str] = mapped_column(String(16), nullable=False, server_default="minor")
    components = mapped_column(JSONType)  # the failing components, in COMPONENTS order
    message: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, server_default="open")
    # The second failing check that raised it: unique, so evaluating one check twice raises one draft.
    snapshot_id: Mapped[int] = mapped_column(Integer, nullable=False, unique=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="SET NULL"))
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    oncall_mailed_at = mapped_column(UTCDateTime)  # every on-call address has it
    oncall_mailed_to = mapped_column(JSONType)  # the addresses the relay accepted so far (a retry skips them)
    created_at = mapped_column(UTCDateTime, nullable=False, server_default=func.now())
    closed_at = mapped_column(UTCDateTime)

    def __str__(self) -> str:
        return self.title
