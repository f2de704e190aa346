"""Filters shared by admin grids."""
from flask_admin.contrib.sqla.filters import BaseSQLAFilter
from sqlalchemy import func, select

from app.models import User


class UserEmailFilter(BaseSQLAFilter):
    """Match a user foreign key by the user's email (case-insensitive), without joining users."""

    def __init__(self, column, name):
        super().__init__(column, name)

    def apply(self, query, value, alias=None):
        ids = select(User.id).where(func.lower(User.email) == value.strip().lower())
        return query.filter(self.column.in_(ids))

    def operation(self):
        return "is"
