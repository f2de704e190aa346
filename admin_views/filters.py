"""Filters shared by admin grids."""
from flask_admin.contrib.sqla.filters import BaseSQLAFilter

from app.common.listing import owned_by_email


class UserEmailFilter(BaseSQLAFilter):
    """Match a user foreign key by the user's email (case-insensitive), without joining users."""

    def apply(self, query, value, alias=None):
        return query.filter(owned_by_email(self.column, value))

    def operation(self):
        return "is"
