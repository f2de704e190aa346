"""Status subscriptions: confirmation mails, the fan-out of each event, the notification batches,
webhook deliveries, and the sweeper that finds anything the queue lost."""
from __future__ import annotations

from app.status import drafts, events
from app.subscriptions import notify, subscribers
from jobs.queues import MAIL_RETRY_INTERVALS, job


@job("mail.status_confirm", queue="mail", timeout=60, retry_intervals=MAIL_RETRY_INTERVALS)
def send_confirmation_job(subscriber_id: int, components: list[str], webhook_format: str = "statuspage") -> bool:
    return subscribers.send_confirmation(subscriber_id, components, webhook_format)


# On `notify` (worker_fast listens to it after `status` and `mail`): never behind a long DSAR export
# on `default`, and never ahead of the 5-minute status snapshot.
@job("status.fanout", queue="notify", timeout=300, retry_intervals=(10, 60, 300))
def fanout_job(event_id: int) -> dict:
    return notify.fanout(event_id)


@job("mail.status_notify", queue="mail", timeout="STATUS_NOTIFY_JOB_TIMEOUT", retry_intervals=MAIL_RETRY_INTERVALS)
def notify_emails_job(event_id: int, subscriber_ids: list[int]) -> dict:
    return notify.send_emails(event_id, subscriber_ids)


@job("status.webhook", queue="notify", timeout=60, retry_intervals="STATUS_WEBHOOK_RETRY_INTERVALS")
def webhook_job(event_id: int, subscriber_id: int) -> str:
    return notify.deliver_webhook(event_id, subscriber_id)


@job("mail.status_webhook_disabled", queue="mail", timeout=60, retry_intervals=MAIL_RETRY_INTERVALS)
def webhook_disabled_job(subscriber_id: int) -> bool:
    return notify.send_disabled_email(subscriber_id)


@job("mail.incident_draft_oncall", queue="mail", timeout=60, retry_intervals=MAIL_RETRY_INTERVALS)
def incident_draft_oncall_job(draft_id: int) -> bool:
    """On-call staff hear of a draft incident once; a relay outage is retried with the mail back-off."""
    return drafts.send_oncall(draft_id)


@job("status.notify_sweep", queue="default", timeout=120, result_ttl=600)  # a sweeper: no retries
def notify_sweep_job() -> dict:
    return {"events": events.sweep(), **notify.sweep(), "oncall_drafts": drafts.sweep()}
