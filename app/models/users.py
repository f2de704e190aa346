from flask_login import UserMixin
from sqlalchemy import Boolean, Index, Integer, String, func, text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True, nullable=False)
    name: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"), default=False)
    # Personal API token of the wider platform: a secret that must never leave in an export.
    api_token: Mapped[str | None] = mapped_column(String(255))
    created_at = mapped_column(UTCDateTime, nullable=False, server_default=func.now())
    # Part of every session cookie (get_id); bumped at logout, password change and admin-rights change,
    # which ends every session minted before.
    session_version: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"), default=0)
    # The language chosen for pages and mails ("en" | "de"); None: Accept-Language decides, mails in English.
    locale: Mapped[str | None] = mapped_column(String(8))

    __table_args__ = (Index("ix_users_email_lower", func.lower(email)),)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version or 0}"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"

    def __str__(self) -> str:
        return self.email
