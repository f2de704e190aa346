"""DSAR jobs: build an export, email its link, expire old archives, rescue stuck exports."""
from rq import get_current_job

from app.dsar import emails, exports, recovery
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
