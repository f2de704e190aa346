"""Staff edits of a user account (the Flask-Admin user view calls this): audited with before/after,
and never leaving the console without an admin."""
from __future__ import annotations

from sqlalchemy import select

from app.accounts import users
from app.common import audit
from app.common.errors import Conflict, NotFound
from app.extensions import db
from app.models import User


def _other_admins(user_id: int) -> int:
    """Admins besides this one, with their rows locked: two staff demoting each other at the same
    moment are serialized, so the second sees the first's change and is refused."""
    ids = db.session.scalars(select(User.id).where(User.is_admin.is_(True), User.id != user_id)
                             .with_for_update()).all()
    return len(ids)


def _check_demotion(user: User, actor_id: int | None) -> None:
    if user.id == actor_id:
        raise Conflict("You cannot remove your own admin rights. Ask another admin to do it.",
                       code="own_admin_rights")
    if _other_admins(user.id) == 0:
        raise Conflict("This is the last admin: make someone else an admin first.", code="last_admin")


def update_user(user_id: int, actor_id: int | None, *, name: str | None, is_admin: bool) -> User:
    """Apply the changed fields; the audit row lists each one as {before, after}. A change of admin
    rights also ends the user's sessions, so they take effect at once."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    changes = {}
    new_name = users.clean_name(name)
    if new_name != user.name:
        changes["name"] = {"before": user.name, "after": new_name}
    if bool(is_admin) != bool(user.is_admin):
        if not is_admin:
            _check_demotion(user, actor_id)
        changes["is_admin"] = {"before": bool(user.is_admin), "after": bool(is_admin)}
    if not changes:
        return user
    user.name = new_name
    user.is_admin = bool(is_admin)
    db.session.flush()
    details = {"changes": changes}
    if "is_admin" in changes:
        users.end_sessions(user, action="user.updated", actor_id=actor_id, details=details)
    else:
        audit.record("user.updated", actor_id=actor_id, target_user_id=user.id, target_type="user",
                     target_id=user.id, details=details, commit=True)
    return user
