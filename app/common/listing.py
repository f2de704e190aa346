"""Query-string filters shared by the staff lists (DSAR exports, SLA claims): email, status, an
inclusive calendar-date range (UTC) and pagination. Every bad value is reported at once (422)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from app.common import inputs
from app.common.errors import ValidationFailed
from app.models import User

MAX_PER_PAGE = 100


@dataclass(frozen=True)
class ListFilters:
    email: str | None = None
    status: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    page: int = 1
    per_page: int = 50

    def as_dict(self) -> dict:
        return {"email": self.email, "status": self.status,
                "date_from": self.date_from.isoformat() if self.date_from else None,
                "date_to": self.date_to.isoformat() if self.date_to else None,
                "page": self.page, "per_page": self.per_page}

    def where(self, stmt, owner_column, status_column, date_column):
        """Apply the filters to a select; date_to keeps its whole calendar day."""
        if self.email:
            stmt = stmt.where(owned_by_email(owner_column, self.email))
        if self.status:
            stmt = stmt.where(status_column == self.status)
        if self.date_from:
            stmt = stmt.where(date_column >= day_start(self.date_from))
        if self.date_to:
            stmt = stmt.where(date_column < day_start(self.date_to + timedelta(days=1)))
        return stmt


def owned_by_email(user_id_column, email: str):
    """`user_id_column` belongs to the user with this email (case-insensitive, through its index)."""
    return user_id_column.in_(select(User.id).where(func.lower(User.email) == email.strip().lower()))


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def parse_list_filters(args, statuses) -> ListFilters:
    errors = {}

    def text_arg(name):
        value = (args.get(name) or "").strip()
        return value or None

    def date_arg(name):
        value = text_arg(name)
        if value is None:
            return None
        parsed = inputs.parse_time(value) if len(value) == 10 else None
        if parsed is None:
            errors[name] = "Use a calendar date like 2026-11-25 (years 2000 to 2099)."
            return None
        return parsed.date()

    def int_arg(name, default, low, high):
        value = text_arg(name)
        if value is None:
            return default
        number = inputs.parse_int(value, low, high)
        if number is None:
            errors[name] = f"Use a whole number from {low} to {high}."
            return default
        return number

    email = text_arg("email")
    if email and ("@" not in email or len(email) > 320):
        errors["email"] = "Use a full email address."
    status = text_arg("status")
    if status and status not in statuses:
        errors["status"] = f"Use one of: {', '.join(statuses)}."
    date_from, date_to = date_arg("date_from"), date_arg("date_to")
    if date_from and date_to and date_from > date_to:
        errors["date_to"] = "date_to must not be before date_from."
    page = int_arg("page", 1, 1, 1_000_000)
    per_page = int_arg("per_page", 50, 1, MAX_PER_PAGE)
    if errors:
        raise ValidationFailed("Some filters are not valid.", fields=errors)
    return ListFilters(email.lower() if email else None, status, date_from, date_to, page, per_page)
