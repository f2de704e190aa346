"""Accounts: creation and password checks (argon2id)."""
from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select

from app.extensions import db
from app.models import User
from app.services import audit
from app.services.errors import Conflict, ValidationFailed

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified against when the email is unknown, so both failures cost the same time.

    Built on first use, not at import: argon2 takes 64 MiB while hashing, and workers never log in."""
    return _hasher.hash("levqor-timing-equalizer")


def normalize_email(email: str | None) -> str:
    return (email or "").strip().lower()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalize_email(email)))


def create_user(email: str, password: str, name: str | None = None, is_admin: bool = False,
                actor_id: int | None = None) -> User:
    email = normalize_email(email)
    if "@" not in email or len(email) > 320:
        raise ValidationFailed("Enter a valid email address.", fields={"email": "invalid"})
    if len(password or "") < 8:
        raise ValidationFailed("Passwords need at least 8 characters.", fields={"password": "too_short"})
    if find_by_email(email):
        raise Conflict(f"A user with email {email} already exists.", code="email_taken")
    user = User(email=email, name=name, password_hash=hash_password(password), is_admin=is_admin)
    db.session.add(user)
    db.session.flush()
    audit.record("user.created", actor_id=actor_id, target_user_id=user.id, target_type="user",
                 target_id=user.id, details={"is_admin": is_admin})
    db.session.commit()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user when email and password match, else None (same answer and cost either way)."""
    user = find_by_email(email) if email else None
    try:
        _hasher.verify(user.password_hash if user and user.password_hash else _dummy_hash(), password or "")
    except (VerificationError, InvalidHashError):
        return None
    if user is None:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        db.session.commit()
    return user


def user_json(user: User) -> dict:
    return {"id": user.id, "email": user.email, "name": user.name, "is_admin": bool(user.is_admin)}
