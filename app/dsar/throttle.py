"""The one-export-per-30-days throttle, made fair: only an export that delivered or can still deliver
counts (DsarExport.counts_for_throttle), and the refusal says when the next request is allowed and
which export stands in the way and why."""
from __future__ import annotations

import math
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import lazyload

from app.common.errors import RateLimited
from app.common.iso import iso
from app.extensions import db
from app.models import DsarExport


def _window() -> timedelta:
    return timedelta(days=current_app.config["DSAR_THROTTLE_DAYS"])


def blocking_export(user_id: int, now: datetime) -> DsarExport | None:
    """The newest export of the throttle window that delivered or can still deliver, if any."""
    return db.session.scalars(
        select(DsarExport).where(DsarExport.user_id == user_id, DsarExport.counts_for_throttle_clause(now),
                                 DsarExport.requested_at > now - _window())
        .options(lazyload(DsarExport.user))
        .order_by(DsarExport.requested_at.desc(), DsarExport.id.desc()).limit(1)).first()


_THROTTLE_WHY = {
    "in_progress": "Your data export requested on {requested} is still being prepared; we will email you when it "
                   "is ready (if it fails, you can ask again at once).",
    "ready": "Your data export requested on {requested} is ready: download it from the link we emailed you or "
             "from this page until {expires} UTC.",
    "downloaded": "You downloaded your data export requested on {requested} on {downloaded} UTC.",
}


def refusal(blocking: DsarExport, now: datetime) -> RateLimited:
    """The 429: when the next request is allowed, and which export stands in the way and why."""
    days = current_app.config["DSAR_THROTTLE_DAYS"]
    exact = blocking.requested_at + _window()
    next_allowed = ceil_second(exact)  # the API speaks whole seconds: never name a refused instant
    reason = blocking.throttle_reason()
    fmt = "%d %B %Y, %H:%M"

    def when(value: datetime | None) -> str:
        return f"{value:{fmt}}" if value else ""

    why = _THROTTLE_WHY[reason].format(requested=f"{blocking.requested_at:%d %B %Y}",
                                       expires=when(blocking.expires_at), downloaded=when(blocking.downloaded_at))
    return RateLimited(
        f"{why} You can request one data export every {days} days; your next export can be requested from "
        f"{next_allowed:{fmt}} UTC. If you need a copy sooner, reply to any of our emails or write to our support "
        "team and we can make an exception. You also have the right to complain to a data protection supervisory "
        "authority (GDPR Article 77).",
        extra={"next_allowed_at": iso(next_allowed), "reason": reason, "blocking_export_id": blocking.id},
        headers={"Retry-After": str(max(1, math.ceil((exact - now).total_seconds())))},
    )


def ceil_second(value: datetime) -> datetime:
    """iso() drops microseconds; rounding up keeps "from this time" true to the second."""
    return value if not value.microsecond else value.replace(microsecond=0) + timedelta(seconds=1)


def next_allowed(user_id: int, now: datetime) -> datetime | None:
    """When the user may ask again (to the second, rounded up), or None if they may now."""
    blocking = blocking_export(user_id, now)
    return ceil_second(blocking.requested_at + _window()) if blocking is not None else None
