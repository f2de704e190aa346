"""The one way to write audit_log. Every action of every surface goes through record()."""
from __future__ import annotations

from typing import Protocol

from flask import has_request_context, request
from flask_login import current_user

from app.extensions import db
from app.models import AuditLog


class Target(Protocol):
    """A row an audit entry can be about (`record(..., on=row)`): its target_type, id and owner."""

    audit_type: str  # audit_log.target_type, e.g. "dsar_export"
    id: object
    user_id: int | None  # the person whose data it is: audit_log.target_user_id


def _request_ip() -> str | None:
    if not has_request_context():
        return None
    # ProxyFix (configured in create_app) has already resolved X-Forwarded-For.
    return request.remote_addr


def _current_actor_id() -> int | None:
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.id
    return None


def record(action: str, *, on: Target | None = None, actor_id: int | None = None,
           target_user_id: int | None = None, target_type: str | None = None, target_id=None,
           ip: str | None = None, details: dict | None = None, commit: bool = False) -> AuditLog:
    """Add an audit row to the current transaction (so it lands atomically with the change).

    `on=row` states the target once: target_type, target_id and target_user_id come from the row
    (see Target); it does not mix with those three keywords. actor_id left at None (explicitly or
    not) is the signed-in user while a request has one, else None, the system: jobs and the
    scheduler run outside requests and so record None.
    """
    if on is not None:
        if target_user_id is not None or target_type is not None or target_id is not None:
            raise TypeError("record(): pass either on= or target_user_id/target_type/target_id")
        target_user_id, target_type, target_id = on.user_id, on.audit_type, on.id
    row = AuditLog(
        action=action,
        actor_id=actor_id if actor_id is not None else _current_actor_id(),
        target_user_id=target_user_id,
        target_type=target_type,
        target_id=str(target_id) if target_id is not None else None,
        ip=ip or _request_ip(),
        details=details or {},
    )
    db.session.add(row)
    if commit:
        db.session.commit()
    return row
