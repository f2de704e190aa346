"""DSAR jobs: build an export, email its link, expire old archives, rescue stuck exports."""
from rq import get_current_job

from app.dsar import emails, erasure, erasure_emails, exports, recovery
from jobs.queues import MAIL_RETRY_INTERVALS, job


def _final_attempt() -> bool:
    """True when RQ will not retry this job again if it fails now."""
    current = get_current_job()
    return current is None or not current.retries_left


@job("dsar.export", queue="dsar", timeout="DSAR_JOB_TIMEOUT", retry_intervals="DSAR_RETRY_INTERVALS",
     failure_ttl=30 * 24 * 3600)
def run_export_job(export_id: int) -> str:
    return exports.run_export(export_id, final_attempt=_final_attempt())


# Its own job and retries: a mail failure never rebuilds the archive or fails the export.
@job("dsar.email_ready", queue="mail", timeout=60, retry_intervals=MAIL_RETRY_INTERVALS)
def send_export_email(export_id: int, resend: bool = False) -> bool:
    return exports.send_ready_email(export_id, resend=resend)


@job("dsar.expire", queue="dsar", timeout=600, result_ttl=3600)
def expire_archives_job() -> int:
    return exports.expire_archives()


@job("dsar.sweep", queue="dsar", timeout=300, result_ttl=3600)
def sweep_exports_job() -> dict:
    return {**exports.sweep_stuck(), **recovery.recover_stalled()}


@job("dsar.email_failed", queue="mail", timeout=60, retry_intervals=MAIL_RETRY_INTERVALS)
def send_failure_email_job(export_id: int) -> bool:
    return emails.send_failure_email(export_id)


@job("dsar.email_extended", queue="mail", timeout=60, retry_intervals=MAIL_RETRY_INTERVALS)
def send_extension_email_job(export_id: int) -> bool:
    return emails.send_extension_email(export_id)


# --- erasure (Art. 17) ---------------------------------------------------------------------------------
# Retried for a long while: an erasure must finish (storage down is the usual reason), and the
# every-minute sweep enqueues it again after the last retry.
@job("dsar.erase", queue="dsar", timeout="DSAR_JOB_TIMEOUT", retry_intervals=(30, 120, 600, 1800),
     failure_ttl=24 * 3600)
def run_erasure_job(erasure_id: int) -> str:
    return erasure.run_erasure(erasure_id)


@job("dsar.erase_due", queue="dsar", timeout=300, result_ttl=3600)
def erase_due_job() -> dict:
    return erasure.sweep_due()


@job("dsar.email_erasure_scheduled", queue="mail", timeout=60, retry_intervals=MAIL_RETRY_INTERVALS)
def send_erasure_scheduled_email(erasure_id: int) -> bool:
    return erasure_emails.send_scheduled(erasure_id)


@job("dsar.email_erasure_held", queue="mail", timeout=60, retry_intervals=MAIL_RETRY_INTERVALS)
def send_erasure_held_email(erasure_id: int) -> bool:
    return erasure_emails.send_held(erasure_id)


@job("dsar.email_erasure_final", queue="mail", timeout=60, retry_intervals=MAIL_RETRY_INTERVALS)
def send_erasure_final_email(erasure_id: int) -> bool:
    return erasure_emails.send_final(erasure_id)
