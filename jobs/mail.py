"""Mail delivery as its own jobs, so a mail failure retries without redoing the work that led to it.

Mail jobs take ids and render at send time: no address or body is kept in Redis."""
from app.dsar import emails
from app.sla import emails as sla_emails
from app.sla import staff
from jobs.queues import MAIL_RETRY_INTERVALS, job


@job("mail.sla_decision", queue="mail", timeout=60, retry_intervals=MAIL_RETRY_INTERVALS)
def send_sla_decision_email(claim_id: int) -> bool:
    return staff.send_decision_email(claim_id)


@job("mail.sla_dispute", queue="mail", timeout=60, retry_intervals=MAIL_RETRY_INTERVALS)
def send_sla_dispute_email(claim_id: int) -> bool:
    return sla_emails.send_dispute_outcome(claim_id)


@job("mail.sla_message", queue="mail", timeout=60, retry_intervals=MAIL_RETRY_INTERVALS)
def send_sla_message_email(message_id: int) -> bool:
    return sla_emails.send_message(message_id)


@job("sla.sweep_emails", queue="default", timeout=120, result_ttl=3600)  # a sweeper, not a send: no mail retries
def sweep_sla_decision_emails() -> int:
    """Decision mails, dispute outcomes and thread messages that never got a job (Redis was down)."""
    return sla_emails.sweep()


@job("dsar.sweep_emails", queue="default", timeout=120, result_ttl=3600)  # a sweeper, not a send: no mail retries
def sweep_dsar_emails() -> dict:
    return emails.sweep_unsent()
