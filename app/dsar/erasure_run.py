"""What an erasure job does, in three phases, each safe to repeat:

1. begin: the request is `running` (committed), every session of the account ends, and each export
   of the person is withdrawn, so an export job building right now deletes its archive instead of
   publishing it (app/dsar/exports.run_export checks its row before it links anything).
2. storage: every object that holds the person's data is deleted: export archives (everything under
   `dsar/<user id>/`, orphans of killed jobs included) and claim attachments. If the store is down this
   raises; the request stays `running` with the error for staff, and the job is retried.
3. rows: the data map's erasure rules (app/dsar/datamap.ERASURE) run in ONE transaction that also marks
   the request completed, so a killed job leaves either everything or nothing of this phase done, and
   "completed" is never written while erasable rows remain.
"""
from __future__ import annotations

from sqlalchemy import delete, func, or_, select, update

from app.accounts.users import end_sessions
from app.common import audit
from app.common.storage import get_storage
from app.dsar import datamap
from app.extensions import db
from app.models import DsarExport, ErasureRequest, SlaCreditRequest, SlaDispute, User
from app.models.dsar import ExportStatus
from app.models.erasure import ErasureStatus
from app.models.types import utcnow

ERASED_DOMAIN = "erased.invalid"  # RFC 2606: can never be a real mailbox, so nobody re-registers into it
# Details keys whose values are personal whatever they hold; any other string that contains the
# person's address or name is replaced too.
PERSONAL_DETAIL_KEYS = frozenset({"email", "name", "ip", "reason", "message", "body", "description", "notes",
                                  "to", "user_email", "old_email", "new_email", "address", "filename",
                                  "attachment_name", "user_agent"})
REMOVED = "[erased]"


def erased_email(user_id: int) -> str:
    return f"erased-{user_id}@{ERASED_DOMAIN}"


def begin(erasure: ErasureRequest) -> None:
    now = utcnow()
    user = db.session.get(User, erasure.user_id)
    first = erasure.status == ErasureStatus.SCHEDULED
    erasure.start(now)
    if erasure.notify_email is None and user is not None and not user.email.endswith("@" + ERASED_DOMAIN):
        erasure.notify_email = user.email
    for export in db.session.scalars(select(DsarExport).where(DsarExport.user_id == erasure.user_id)):
        if export.can_be_invalidated:
            export.status, export.download_url = ExportStatus.INVALIDATED, None
    audit.record("dsar.erasure_started", on=erasure, details={"attempt": erasure.attempts})
    db.session.commit()
    if first and user is not None:
        end_sessions(user, action="user.sessions_ended", actor_id=None, details={"why": "erasure"})


def stored_keys(user_id: int) -> list[str]:
    """Every storage key that holds something of the person's (the folder, plus what rows point at)."""
    storage = get_storage()
    keys = set(storage.list_keys(f"dsar/{user_id}/"))
    keys |= set(db.session.scalars(select(DsarExport.storage_key).where(
        DsarExport.user_id == user_id, DsarExport.storage_key.is_not(None))))
    keys |= set(db.session.scalars(select(SlaCreditRequest.attachment_key).where(
        SlaCreditRequest.user_id == user_id, SlaCreditRequest.attachment_key.is_not(None))))
    keys |= set(db.session.scalars(select(SlaDispute.attachment_key).where(
        SlaDispute.user_id == user_id, SlaDispute.attachment_key.is_not(None))))
    db.session.commit()
    return sorted(keys)


def delete_stored_objects(user_id: int) -> int:
    storage = get_storage()
    keys = stored_keys(user_id)
    for key in keys:
        storage.delete(key)
    return len(keys)


# --- rows ------------------------------------------------------------------------------------------

def _selector(table, rule: datamap.Erasure, user_id: int, email: str | None):
    if rule.match == "id":
        return table.c.id == user_id
    if rule.match == "user_id":
        return table.c.user_id == user_id
    if rule.match == "audit":
        return or_(table.c.target_user_id == user_id, table.c.actor_id == user_id)
    subscribers = db.metadata.tables["status_subscribers"]
    mine = func.lower(subscribers.c.email) == (email or "").lower()
    if rule.match == "email":
        return mine
    if rule.match == "subscriber":
        return table.c.subscriber_id.in_(select(subscribers.c.id).where(mine))
    raise ValueError(f"unknown erasure match {rule.match!r}")


def erase_rows(erasure_id: int) -> dict:
    """Phase 3: every rule of the data map, then `completed`, in one transaction."""
    erasure = ErasureRequest.locked(erasure_id)
    user_id, email = erasure.user_id, erasure.notify_email
    user = db.session.get(User, user_id)
    name = user.name if user is not None else None
    counts = {}
    for table in reversed(db.metadata.sorted_tables):  # children before parents
        rule = datamap.ERASURE.get(table.name)
        if rule is None or rule.action == datamap.NOTHING:
            continue
        where = _selector(table, rule, user_id, email)
        if rule.action == datamap.DELETE:
            counts[table.name] = db.session.execute(delete(table).where(where)).rowcount
        elif table.name == "audit_log":
            counts[table.name] = _pseudonymise_audit(table, where, email, name)
        elif rule.clear:
            counts[table.name] = db.session.execute(update(table).where(where).values(
                _cleared(table.name, rule, user_id))).rowcount
    erasure.complete(utcnow())
    audit.record("dsar.erasure_completed", on=erasure, details={"pseudonymised": True, "rows": counts})
    db.session.commit()
    return counts


def _cleared(table_name: str, rule: datamap.Erasure, user_id: int) -> dict:
    values = {column: None for column in rule.clear}
    if table_name == "users":
        values.update(email=erased_email(user_id), is_admin=False,
                      session_version=User.__table__.c.session_version + 1)
    return values


def _pseudonymise_audit(table, where, email: str | None, name: str | None) -> int:
    rows = db.session.execute(select(table.c.id, table.c.details).where(where)).all()
    for row_id, details in rows:
        db.session.execute(update(table).where(table.c.id == row_id).values(
            ip=None, details={**scrub_details(details or {}, email, name), "pseudonymised": True}))
    return len(rows)


def scrub_details(value, email: str | None, name: str | None, key: str | None = None):
    """Audit details with the person removed: personal keys emptied, their address or name nowhere."""
    if isinstance(value, dict):
        return {k: scrub_details(v, email, name, k) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub_details(v, email, name, key) for v in value]
    if isinstance(value, str):
        if key in PERSONAL_DETAIL_KEYS:
            return REMOVED
        lowered = value.lower()
        if (email and email.lower() in lowered) or (name and len(name) > 2 and name.lower() in lowered):
            return REMOVED
    return value
