"""The DSAR emails besides "your export is ready": the export failed for good, and the deadline
was extended (Art. 12(3)). Mail jobs take the export id and render at send time, so no address or
body sits in Redis. Each message goes out once: its column (`failure_emailed_at`,
`extension_emailed_at`) is set only after the relay accepted it, a job finding it set does nothing,
and sweep_unsent() queues again the mails whose enqueue was lost (Redis down at that moment)."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import lazyload

from app.common import audit, tasks
from app.common.mailer import send_template
from app.extensions import db
from app.models import DsarExport
from app.models.dsar import ExportStatus
from app.models.types import utcnow

log = logging.getLogger(__name__)

FAILED_SUBJECT = _l("Your Levqor data export could not be completed")
EXTENDED_SUBJECT = _l("Your Levqor data export will take longer")
FAILED_JOB, EXTENDED_JOB = "dsar.email_failed", "dsar.email_extended"
SWEEP_GRACE = timedelta(minutes=1)  # an extension's own enqueue follows its commit at once: don't race it
SWEEP_WINDOW = timedelta(days=30)  # older events are not worth a first mail any more


def enqueue(name: str, export_id: int) -> None:
    """Best effort, after the commit: a lost enqueue is logged, never undoes the change, and
    sweep_unsent() queues the mail later."""
    tasks.try_enqueue(name, export_id, key=(export_id,))


def _locked(export_id: int) -> DsarExport | None:
    """The export, its row locked until commit: two copies of one mail job never both send."""
    return db.session.execute(
        select(DsarExport).where(DsarExport.id == export_id).options(lazyload(DsarExport.user))
        .with_for_update().execution_options(populate_existing=True)).scalar_one_or_none()


def _send(export: DsarExport, subject: str, template: str, action: str, column: str) -> bool:
    """Raises when the relay refuses (the mail job retries); the column is set only after it accepted."""
    send_template(export.user.email, subject, template, export.user.locale, export=export, user=export.user,
                  page_url=f"{current_app.config['PUBLIC_BASE_URL']}/data-requests")
    setattr(export, column, utcnow())
    audit.record(action, on=export, details={"subject": str(subject)})
    db.session.commit()
    return True


def send_failure_email(export_id: int) -> bool:
    """Tell the owner their export failed for good and that they may ask again at once."""
    export = _locked(export_id)
    if export is None or export.status != ExportStatus.FAILED or export.failure_emailed_at is not None:
        db.session.commit()  # nothing to write: just release the lock
        return False
    return _send(export, FAILED_SUBJECT, "dsar_failed", "dsar.failure_emailed", "failure_emailed_at")


def send_extension_email(export_id: int) -> bool:
    """Tell the owner the new deadline and why (Art. 12(3) asks for the reasons)."""
    export = _locked(export_id)
    if export is None or export.extended_at is None or export.extension_emailed_at is not None:
        db.session.commit()  # nothing to write: just release the lock
        return False
    return _send(export, EXTENDED_SUBJECT, "dsar_extended", "dsar.extension_emailed", "extension_emailed_at")


def sweep_unsent(now: datetime | None = None) -> dict:
    """Queue the failure and extension mails that were never sent and have no mail job in RQ (a failed
    one waits in RQ's failed registry for ops, as for the ready and SLA decision mails)."""
    now = now or utcnow()
    failed = select(DsarExport.id).where(
        DsarExport.status == ExportStatus.FAILED, DsarExport.failure_emailed_at.is_(None),
        DsarExport.requested_at > now - SWEEP_WINDOW)  # no failure time is kept: no grace (a race only
    # queues a second copy of the job, which finds the mail sent and does nothing)
    extended = select(DsarExport.id).where(
        DsarExport.extended_at.is_not(None), DsarExport.extension_emailed_at.is_(None),
        DsarExport.extended_at > now - SWEEP_WINDOW, DsarExport.extended_at < now - SWEEP_GRACE)
    return {"failure_emails": _requeue(FAILED_JOB, failed), "extension_emails": _requeue(EXTENDED_JOB, extended)}


def _requeue(name: str, ids) -> int:
    return sum(tasks.enqueue_unless_present(name, export_id, key=(export_id,))
               for export_id in db.session.scalars(ids.order_by(DsarExport.id)).all())
