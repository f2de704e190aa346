"""Small factories for test data. Passwords are remembered so `login(user)` just works."""
from __future__ import annotations

from app.accounts.users import hash_password
from app.extensions import db
from app.models import User

PASSWORDS: dict[str, str] = {}
_HASHES: dict[str, str] = {}


def make_user(email: str, password: str = "password-123", name: str | None = None, is_admin: bool = False) -> User:
    # argon2 is deliberately slow; hash each distinct password once per test session.
    if password not in _HASHES:
        _HASHES[password] = hash_password(password)
    user = User(email=email.lower(), name=name or email.split("@")[0].title(), password_hash=_HASHES[password],
                is_admin=is_admin)
    db.session.add(user)
    db.session.commit()
    PASSWORDS[user.email] = password
    return user
