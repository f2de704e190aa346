"""The archive's files beyond the platform's tables: SLA claims with their evidence, account
activity from the audit log, the person's data requests, and status-page subscriptions.

Each is read through the model's own columns (so a column another change adds is exported without
an edit here), with staff shown as "Levqor staff" and free text run through the one redactor.
"""
from __future__ import annotations

import zipfile
from contextlib import closing

from sqlalchemy import and_, func, or_, select

from app.common.redact import redact, redact_text
from app.common.storage import get_storage
from app.dsar.datamap import STAFF
from app.dsar.zipstream import HashedEntry, dumps, stream
from app.extensions import db
from app.models import AuditLog, DsarExport, SlaClaimMessage, SlaCreditRequest, SlaDispute, User

SYSTEM = "Levqor (automatic)"
YOU = "you"
# Claim columns that are internal (the file itself goes under attachments/) or that name staff.
SLA_HIDDEN = {"user_id", "attachment_key", "decided_by"}
REQUEST_COLUMNS = ("id", "status", "requested_at", "started_at", "completed_at", "due_at", "expires_at",
                   "downloaded_at", "emailed_at", "attempts", "error", "reason", "extended_at", "extension_reason",
                   "failure_emailed_at", "extension_emailed_at")
SECRET_COLUMN_PARTS = ("token", "secret")


def write_all(zf: zipfile.ZipFile, user_id: int, counts: dict) -> list[dict]:
    files = _sla_claims(zf, user_id, counts)
    files.append(_account_activity(zf, user_id, counts))
    files.append(_data_requests(zf, user_id, counts))
    subscriptions = _status_subscriptions(zf, user_id, counts)
    return files + ([subscriptions] if subscriptions else [])


def _array(zf: zipfile.ZipFile, name: str, records) -> dict:
    entry = HashedEntry(zf, name)
    return entry.close(entry.array(dumps(r) for r in records))


def _actor(actor_id: int | None, user_id: int) -> str:
    return YOU if actor_id == user_id else SYSTEM if actor_id is None else STAFF


def _sla_claims(zf: zipfile.ZipFile, user_id: int, counts: dict) -> list[dict]:
    """sla_claims.json and attachments/<claim id>-<file name> for uploaded evidence."""
    columns = [c for c in SlaCreditRequest.__table__.columns if c.name not in SLA_HIDDEN]
    claims, attachments = [], []
    stmt = select(SlaCreditRequest.__table__).where(SlaCreditRequest.user_id == user_id).order_by(
        SlaCreditRequest.id)
    for row in stream(stmt):
        record = redact({c.name: row._mapping[c] for c in columns})
        record["decided_by"] = STAFF if row.decided_by is not None else None
        if row.attachment_key:
            record["attachment_file"] = f"attachments/{row.id}-{row.attachment_name or 'evidence'}"
            attachments.append((record["attachment_file"], row.attachment_key))
        claims.append(record)
    _sla_thread(claims, user_id, counts)
    files = [_array(zf, "sla_claims.json", claims)]
    for name, key in attachments:
        entry = HashedEntry(zf, name)
        with closing(get_storage().open(key)) as src:
            while chunk := src.read(1 << 20):
                entry.raw_bytes(chunk)
        files.append(entry.close(None, newline=False))
    counts["sla_credit_requests"] = len(claims)
    return files


def _sla_thread(claims: list[dict], user_id: int, counts: dict) -> None:
    """Each claim's dispute and message thread, staff shown by role (a claim has a handful of each)."""
    by_id = {c["id"]: c for c in claims}
    for claim in by_id.values():
        claim.update(dispute=None, messages=[])
    for row in db.session.execute(select(SlaDispute.__table__).where(SlaDispute.user_id == user_id)):
        record = redact({k: v for k, v in row._mapping.items() if k not in ("attachment_key", "user_id")})
        record["decided_by"] = STAFF if row.decided_by is not None else None
        if row.claim_id in by_id:
            by_id[row.claim_id]["dispute"] = record
    stmt = select(SlaClaimMessage).where(SlaClaimMessage.user_id == user_id).order_by(SlaClaimMessage.id)
    for msg in db.session.scalars(stmt):
        if msg.claim_id in by_id:
            by_id[msg.claim_id]["messages"].append(
                {"from": YOU if msg.side == "customer" else STAFF, "body": redact_text(msg.body),
                 "created_at": msg.created_at})
    counts["sla_disputes"] = sum(1 for c in claims if c["dispute"])
    counts["sla_claim_messages"] = sum(len(c["messages"]) for c in claims)


def _account_activity(zf: zipfile.ZipFile, user_id: int, counts: dict) -> dict:
    """Entries about the person (any actor) and their own actions that concern no one else."""
    stmt = (select(AuditLog.created_at, AuditLog.action, AuditLog.actor_id, AuditLog.ip, AuditLog.target_type,
                   AuditLog.target_id, AuditLog.details)
            .where(or_(AuditLog.target_user_id == user_id,
                       and_(AuditLog.actor_id == user_id, AuditLog.target_user_id.is_(None))))
            .order_by(AuditLog.id))

    def rows():
        for at, action, actor_id, ip, target_type, target_id, details in stream(stmt):
            yield {"at": at, "action": action, "by": _actor(actor_id, user_id),
                   "ip": ip if actor_id == user_id else None, "about": target_type, "about_id": target_id,
                   "details": redact(details or {}) if actor_id is None or actor_id == user_id
                   else _staff_details(details)}

    info = _array(zf, "account_activity.json", rows())
    counts["audit_log"] = info["records"]
    return info


def _staff_details(details) -> dict:
    """What staff did to the person's data, without naming staff (no ids or emails of staff)."""
    if not isinstance(details, dict):
        return {}
    return redact({k: v for k, v in details.items() if not k.endswith(("_by", "_by_id", "actor", "actor_id"))})


def _data_requests(zf: zipfile.ZipFile, user_id: int, counts: dict) -> dict:
    stmt = select(DsarExport.__table__).where(DsarExport.user_id == user_id).order_by(DsarExport.id)

    def rows():
        for row in stream(stmt):
            record = {name: row._mapping[name] for name in REQUEST_COLUMNS}
            record["status"] = str(record["status"])
            record["error"] = redact_text(record["error"])
            record["requested_by"] = STAFF if row.requested_by_id not in (None, user_id) else YOU
            record["extended_by"] = STAFF if row.extended_by_id is not None else None
            yield record

    info = _array(zf, "data_requests.json", rows())
    counts["dsar_exports"] = info["records"]
    return info


def _status_subscriptions(zf: zipfile.ZipFile, user_id: int, counts: dict, table=None) -> dict | None:
    """Subscriptions under the person's email address, once the status subscribers table exists
    (read through whatever columns it has; `table` lets a test stand one up before it lands)."""
    table = table if table is not None else db.metadata.tables.get("status_subscribers")
    if table is None or "email" not in table.c:
        return None
    email = db.session.scalar(select(User.email).where(User.id == user_id))
    columns = [c for c in table.columns if not any(p in c.name for p in SECRET_COLUMN_PARTS)]
    stmt = select(*columns).where(func.lower(table.c.email) == (email or "").lower()).order_by(*table.primary_key)
    info = _array(zf, "status_subscriptions.json", (redact(dict(row._mapping)) for row in stream(stmt)))
    counts["status_subscribers"] = info["records"]
    return info
