"""Lenient parsing of user input into typed values; None means "not a valid value", so callers can say why."""
from __future__ import annotations

from datetime import UTC, datetime


def parse_time(value) -> datetime | None:
    """ISO 8601 date or datetime; naive values are taken as UTC. None when unparseable."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def parse_int(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None
