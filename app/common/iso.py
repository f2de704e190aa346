"""One serialization layer for the JSON API: one timestamp format, one serializer per aggregate.

Every timestamp leaves the API as RFC 3339 UTC with a `Z` suffix and microseconds dropped
(`2026-11-26T02:15:00Z`), the form Statuspage clients and browsers' Date parse alike. Each aggregate
module offers a `user` view (what the owner may see) and an `admin` view (what staff see), as CTFd's
schemas do with `view="user" | "admin"`.
"""
from __future__ import annotations

from datetime import UTC, date, datetime


def iso(value: datetime | date | None) -> str | None:
    """A stored time as `YYYY-MM-DDTHH:MM:SSZ`; naive datetimes are UTC (SQLite drops the zone)."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        return value.isoformat()
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
