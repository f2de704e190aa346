"""Mail delivery as its own jobs, so a mail failure retries without redoing the work that led to it.

Mail jobs take ids and render at send time: no address or body is kept in Redis."""
from app.dsar import emails
from app.sla import staff
from jobs.queues import MAIL_RETRY_INTERVALS, job


@job("mail.sla_decision", queue="mail", timeout=60, retry_intervals=MAIL_RETRY_INTERVALS)
def send_sla_decision_email(claim_id: int) -> bool:
    return staff.send_decision_email(claim_id)


@job("sla.sweep_emails", queue="default", timeout=120, result_ttl=3600)  # a sweeper, not a send: no mail retries
def sweep_sla_decision_emails() -> int:
    return staff.sweep_decision_emails()


@job("dsar.sweep_emails", queue="default", timeout=120, result_ttl=3600)  # a sweeper, not a send: no mail retries
def sweep_dsar_emails() -> dict:
    return emails.sweep_unsent()
