"""What index.html shows of the person's own data: the head of each category, read with a LIMIT.

The JSON files hold everything; index.html is for reading on a phone, so it shows a bounded number of
rows per section (the newest first) and says where the full list is. Its size therefore does not grow
with the person's history: a 1M-log account gets the same page as a 1,000-log one. Free text goes
through the same redactor as the JSON files; staff appear by role. Words a person reads live in the
template (archive/index.html), not here.
"""
from __future__ import annotations

from sqlalchemy import func, select

from app.common.redact import redact_text
from app.dsar.datamap import STAFF
from app.extensions import db
from app.models import (
    AuditLog,
    DsarExport,
    Invoice,
    RunLog,
    SlaClaimMessage,
    SlaCreditRequest,
    SlaDispute,
    Subscription,
    User,
    Workflow,
    WorkflowRun,
)

# Rows shown per section (newest first). The page's size is bounded by these and TEXT_CHARS.
HEAD = {"workflows": 100, "runs": 200, "logs": 300, "subscriptions": 50, "invoices": 100, "claims": 50,
        "messages": 50, "signins": 100, "requests": 50, "status": 50}
TEXT_CHARS = 400  # a longer text is cut in the page (it is whole in the JSON file)
SIGN_IN_ACTIONS = ("auth.login", "auth.logout", "auth.failed")


def _text(value: str | None) -> str | None:
    if value is None:
        return None
    value = redact_text(value)
    return value if len(value) <= TEXT_CHARS else value[:TEXT_CHARS] + "…"


def _rows(stmt, limit: int) -> list[dict]:
    return [dict(row._mapping) for row in db.session.execute(stmt.limit(limit))]


def gather(user_id: int) -> dict:
    """Every section of index.html for user_id, each a bounded list of plain dicts."""
    return {"profile": _profile(user_id), "workflows": _workflows(user_id), "runs": _runs(user_id),
            "logs": _logs(user_id), "billing": _billing(user_id), "claims": _claims(user_id),
            "signins": _signins(user_id), "requests": _requests(user_id), "head": HEAD}


def _profile(user_id: int) -> dict:
    row = db.session.execute(select(User.email, User.name, User.created_at).where(User.id == user_id)).one()
    return dict(row._mapping)


def _workflows(user_id: int) -> list[dict]:
    rows = _rows(select(Workflow.name, Workflow.description, Workflow.created_at, Workflow.updated_at)
                 .where(Workflow.user_id == user_id).order_by(Workflow.id.desc()), HEAD["workflows"])
    for row in rows:
        row["description"] = _text(row["description"])
    return rows


def _runs(user_id: int) -> list[dict]:
    rows = _rows(select(WorkflowRun.id, Workflow.name.label("workflow"), WorkflowRun.status,
                        WorkflowRun.started_at, WorkflowRun.finished_at, WorkflowRun.error)
                 .join(Workflow, Workflow.id == WorkflowRun.workflow_id, isouter=True)
                 .where(WorkflowRun.user_id == user_id).order_by(WorkflowRun.id.desc()), HEAD["runs"])
    for row in rows:
        row["error"] = _text(row["error"])
    return rows


def _logs(user_id: int) -> list[dict]:
    rows = _rows(select(RunLog.run_id, RunLog.level, RunLog.message, RunLog.created_at)
                 .where(RunLog.user_id == user_id, RunLog.is_sensitive.is_(False))
                 .order_by(RunLog.id.desc()), HEAD["logs"])  # ix_run_logs_user_id_id: no sort of the history
    for row in rows:
        row["message"] = _text(row["message"])
    return rows


def _billing(user_id: int) -> dict:
    return {"subscriptions": _rows(select(Subscription.plan, Subscription.status, Subscription.price_amount,
                                          Subscription.currency, Subscription.current_period_start,
                                          Subscription.current_period_end)
                                   .where(Subscription.user_id == user_id).order_by(Subscription.id.desc()),
                                   HEAD["subscriptions"]),
            "invoices": _rows(select(Invoice.number, Invoice.status, Invoice.amount_due, Invoice.amount_paid,
                                     Invoice.currency, Invoice.period_start, Invoice.period_end, Invoice.issued_at)
                              .where(Invoice.user_id == user_id).order_by(Invoice.id.desc()), HEAD["invoices"])}


def _claims(user_id: int) -> list[dict]:
    """The newest claims, each with its dispute and the newest messages of its thread."""
    claims = _rows(select(SlaCreditRequest.id, SlaCreditRequest.created_at, SlaCreditRequest.period_start,
                          SlaCreditRequest.period_end, SlaCreditRequest.claimed_downtime_minutes,
                          SlaCreditRequest.description, SlaCreditRequest.status, SlaCreditRequest.credit_amount,
                          SlaCreditRequest.currency, SlaCreditRequest.notes, SlaCreditRequest.decided_at,
                          SlaCreditRequest.attachment_name)
                   .where(SlaCreditRequest.user_id == user_id).order_by(SlaCreditRequest.id.desc()), HEAD["claims"])
    by_id = {c["id"]: c for c in claims}
    for claim in claims:
        claim.update(description=_text(claim["description"]), notes=_text(claim["notes"]), dispute=None,
                     messages=[], more_messages=0)
    if not by_id:
        return claims
    for row in db.session.execute(select(SlaDispute.claim_id, SlaDispute.reason, SlaDispute.status,
                                         SlaDispute.opened_at, SlaDispute.decided_at, SlaDispute.notes)
                                  .where(SlaDispute.user_id == user_id, SlaDispute.claim_id.in_(by_id))):
        by_id[row.claim_id]["dispute"] = {**row._mapping, "reason": _text(row.reason), "notes": _text(row.notes)}
    per_claim = (select(SlaClaimMessage.claim_id, func.count())
                 .where(SlaClaimMessage.user_id == user_id, SlaClaimMessage.claim_id.in_(by_id))
                 .group_by(SlaClaimMessage.claim_id))
    counts = {claim_id: total for claim_id, total in db.session.execute(per_claim)}
    for claim_id, total in counts.items():
        stmt = (select(SlaClaimMessage.side, SlaClaimMessage.body, SlaClaimMessage.created_at)
                .where(SlaClaimMessage.claim_id == claim_id, SlaClaimMessage.user_id == user_id)
                .order_by(SlaClaimMessage.id.desc()))
        newest = _rows(stmt, HEAD["messages"])
        by_id[claim_id]["messages"] = [{"from_you": m["side"] == "customer", "body": _text(m["body"]),
                                        "created_at": m["created_at"]} for m in reversed(newest)]
        by_id[claim_id]["more_messages"] = total - len(newest)
    return claims


def _signins(user_id: int) -> list[dict]:
    """Sign-ins and sign-outs of the account (the person's own address only; staff are not named)."""
    rows = _rows(select(AuditLog.created_at, AuditLog.action, AuditLog.actor_id, AuditLog.ip)
                 .where(AuditLog.target_user_id == user_id, AuditLog.action.in_(SIGN_IN_ACTIONS))
                 .order_by(AuditLog.id.desc()), HEAD["signins"])
    for row in rows:
        row["by"] = None if row["actor_id"] in (None, user_id) else STAFF
        row["ip"] = row["ip"] if row["actor_id"] == user_id else None
    return rows


def _requests(user_id: int) -> list[dict]:
    rows = _rows(select(DsarExport.requested_at, DsarExport.status, DsarExport.completed_at,
                        DsarExport.expires_at, DsarExport.downloaded_at)
                 .where(DsarExport.user_id == user_id).order_by(DsarExport.id.desc()), HEAD["requests"])
    for row in rows:
        row["status"] = str(row["status"])
    return rows
