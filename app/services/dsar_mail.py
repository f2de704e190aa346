"""The DSAR emails besides "your export is ready": the export failed for good, and the deadline
was extended (Art. 12(3)). Mail jobs take the export id and render at send time, so no address or
body sits in Redis; each message goes out once (its audit row is the record that it was sent)."""
from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import AuditLog, DsarExport
from app.models.dsar import ExportStatus
from app.services import audit, tasks
from app.services.mailer import send_template

log = logging.getLogger(__name__)

FAILED_SUBJECT = "Your Levqor data export could not be completed"
EXTENDED_SUBJECT = "Your Levqor data export will take longer"
FAILED_JOB, EXTENDED_JOB = "dsar.email_failed", "dsar.email_extended"


def enqueue(name: str, export_id: int) -> None:
    """Best effort, after the commit: a lost enqueue is logged and never undoes the change."""
    try:
        tasks.enqueue(name, export_id, job_id=f"{name.replace('.', '-')}-{export_id}")
    except Exception:
        log.exception("could not enqueue %s for DSAR export %s", name, export_id)


def _already_sent(action: str, export_id: int) -> bool:
    return db.session.scalar(select(AuditLog.id).where(
        AuditLog.action == action, AuditLog.target_type == "dsar_export",
        AuditLog.target_id == str(export_id)).limit(1)) is not None


def _send(export: DsarExport, subject: str, template: str, action: str) -> bool:
    send_template(export.user.email, subject, template, export=export, user=export.user,
                  page_url=f"{current_app.config['PUBLIC_BASE_URL']}/data-requests")
    audit.record(action, actor_id=None, target_user_id=export.user_id, target_type="dsar_export",
                 target_id=export.id, details={"subject": subject})
    db.session.commit()
    return True


def send_failure_email(export_id: int) -> bool:
    """Tell the owner their export failed for good and that they may ask again at once."""
    export = db.session.get(DsarExport, export_id)
    if export is None or export.status != ExportStatus.FAILED or _already_sent("dsar.failure_emailed", export_id):
        return False
    return _send(export, FAILED_SUBJECT, "dsar_failed", "dsar.failure_emailed")


def send_extension_email(export_id: int) -> bool:
    """Tell the owner the new deadline and why (Art. 12(3) asks for the reasons)."""
    export = db.session.get(DsarExport, export_id)
    if export is None or export.extended_at is None or _already_sent("dsar.extension_emailed", export_id):
        return False
    return _send(export, EXTENDED_SUBJECT, "dsar_extended", "dsar.extension_emailed")
