"""Mail delivery as its own job, so a mail failure retries without redoing the work that led to it."""
from jobs.queues import job


@job("mail", timeout=60, retry_intervals=(10, 60, 300, 900))
def send_mail_job(to: str, subject: str, text: str, html: str | None = None) -> str:
    from app.services.mailer import send_mail

    return send_mail(to, subject, text, html)
