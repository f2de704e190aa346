"""Accounts: creation and password checks (argon2id)."""
from __future__ import annotations

import unicodedata
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from app.common import audit, i18n
from app.common.errors import Conflict, ValidationFailed
from app.extensions import db
from app.models import User

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified against when the email is unknown, so both failures cost the same time.

    Built on first use, not at import: argon2 takes 64 MiB while hashing, and workers never log in."""
    return _hasher.hash("levqor-timing-equalizer")


def normalize_email(email: str | None) -> str:
    return (email or "").strip().lower()


def clean_name(name: str | None) -> str | None:
    """A display name without control or format characters (newlines, ANSI escapes, bidi overrides),
    which would forge lines in logs and CSV exports or reorder text in the admin; None when empty."""
    if name is None:
        return None
    kept = "".join(" " if ch in "\t\r\n" else ch for ch in str(name)
                   if ch in "\t\r\n" or not unicodedata.category(ch).startswith("C"))
    kept = " ".join(kept.split())[:200]
    return kept or None


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
    user = User(email=email, name=clean_name(name), password_hash=hash_password(password), is_admin=is_admin)
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
    return {"id": user.id, "email": user.email, "name": user.name, "is_admin": bool(user.is_admin),
            "locale": user.locale}


def set_locale(user: User, value) -> User:
    """Remember the user's language ("en" | "de"); anything else is refused (422) and nothing changes."""
    if not isinstance(value, str) or value not in i18n.LOCALES:
        raise ValidationFailed(_l("Unknown language."), fields={"locale": _l("One of: %(choices)s.",
                                                                            choices=", ".join(i18n.LOCALES))})
    if user.locale != value:
        audit.record("user.locale_changed", target_user_id=user.id, target_type="user", target_id=user.id,
                     details={"from": user.locale, "to": value})
        user.locale = value
        db.session.commit()
    return user


def end_sessions(user: User, *, action: str, actor_id: int | None, details: dict | None = None) -> None:
    """Every session cookie minted for this user so far stops working (see auth.load_user)."""
    db.session.execute(update(User).where(User.id == user.id)
                       .values(session_version=User.session_version + 1))
    audit.record(action, actor_id=actor_id, target_user_id=user.id, target_type="user", target_id=user.id,
                 details=details)
    db.session.commit()
    db.session.refresh(user)


def set_password(user: User, password: str, *, actor_id: int | None = None) -> None:
    """A new password ends every session signed in with the old one."""
    if len(password or "") < 8:
        raise ValidationFailed("Passwords need at least 8 characters.", fields={"password": "too_short"})
    user.password_hash = hash_password(password)
    db.session.flush()
    end_sessions(user, action="user.password_changed", actor_id=actor_id)
