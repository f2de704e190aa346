"""The one way to write audit_log. Every action of every surface goes through record()."""
from __future__ import annotations

from flask import has_request_context, request
from flask_login import current_user

from app.extensions import db
from app.models import AuditLog


def _request_ip() -> str | None:
    if not has_request_context():
        return None
    # ProxyFix (configured in create_app) has already resolved X-Forwarded-For.
    return request.remote_addr


def _current_actor_id() -> int | None:
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.id
    return None


def record(action: str, *, actor_id: int | None = None, target_user_id: int | None = None,
           target_type: str | None = None, target_id=None, ip: str | None = None,
           details: dict | None = None, commit: bool = False) -> AuditLog:
    """Add an audit row to the current transaction (so it lands atomically with the change).

    actor_id defaults to the signed-in user; jobs and the scheduler pass None (the system).
    """
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
