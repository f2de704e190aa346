"""SLA credit claims: filing (with validation that changes nothing on failure), measuring, listing.

Decisions live in staff.py, the uptime measurement in measure.py, billing periods and their charge in
periods.py, evidence in attachments.py. `claim_view` is a claim as staff look at it (admin page and JSON).

Choices worth knowing:
- A claim is measured over the billing period holding the claimed window (the window only says where
  to look). A window crossing a billing-period boundary is refused with a message naming the boundary:
  one claim per billing period, so each claim has one period, one charge and one credit.
- Overlap: a pending or approved claim for an overlapping window of the same subscription blocks a new
  one (409). A rejected claim does not, so the user can dispute it with better evidence.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cached_property

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select

from app.common import audit, i18n, inputs
from app.common.errors import Conflict, NotFound, ValidationFailed
from app.common.inputs import parse_time
from app.common.iso import iso
from app.common.listing import ListFilters
from app.extensions import db
from app.models import SlaCreditRequest, SlaDispute, Subscription, User
from app.models.sla_thread import DisputeStatus
from app.models.types import utcnow
from app.sla import attachments, events, measure, periods

MAX_DESCRIPTION = 5000
DISPUTED = "disputed"  # the staff list's filter for claims with an open dispute


def parse_window(data: dict, now: datetime, fields: dict[str, str]) -> tuple[int | None, datetime, datetime]:
    """subscription_id, period_start, period_end as filing and the preview read them; problems go in `fields`."""
    sub_id = inputs.parse_id(data.get("subscription_id"))
    if sub_id is None:
        fields["subscription_id"] = _l("Choose one of your subscriptions.")
    start, end = parse_time(data.get("period_start")), parse_time(data.get("period_end"))
    if start is None:
        fields["period_start"] = _l("Enter the start of the outage period (ISO 8601 date and time).")
    if end is None:
        fields["period_end"] = _l("Enter the end of the outage period (ISO 8601 date and time).")
    if start and end:
        if start >= end:
            fields["period_end"] = _l("The period must end after it starts.")
        elif end > now:
            fields["period_end"] = _l("The period cannot end in the future.")
    return sub_id, start, end


def filing_deadline(period_end: datetime) -> datetime:
    """A claim may be filed until SLA_FILING_DAYS after the end of the billing period holding the outage."""
    return period_end + timedelta(days=current_app.config["SLA_FILING_DAYS"])


def decision_due(claim: SlaCreditRequest) -> datetime:
    """Staff are expected to decide within SLA_DECISION_DAYS of filing (like a DSAR's due date)."""
    return claim.created_at + timedelta(days=current_app.config["SLA_DECISION_DAYS"])


def is_overdue(claim: SlaCreditRequest, now: datetime | None = None) -> bool:
    return claim.is_pending() and (now or utcnow()) > decision_due(claim)


def check_filing_deadline(period: periods.BillingPeriod, now: datetime) -> None:
    deadline = filing_deadline(period.end)
    if now > deadline:
        message = _l("Claims for the billing period ending %(end)s could be filed until %(deadline)s (%(days)s days "
                     "after it ended).", end=i18n.later(i18n.fmt_date, period.end, "ymd"),
                     deadline=i18n.later(i18n.fmt_datetime, deadline), days=current_app.config["SLA_FILING_DAYS"])
        raise ValidationFailed(message, fields={"period_end": message})


def _parse_claim(data: dict, now: datetime) -> dict:
    fields: dict[str, str] = {}
    sub_id, start, end = parse_window(data, now, fields)
    minutes = inputs.parse_int(data.get("claimed_downtime_minutes"), 0, inputs.INT32_MAX)
    if minutes is None or minutes < 0:
        fields["claimed_downtime_minutes"] = _l("Enter the downtime in whole minutes (0 or more).")
    elif start and end and start < end and minutes > (end - start).total_seconds() / 60:
        fields["claimed_downtime_minutes"] = _l("The downtime cannot be longer than the period.")
    description = data.get("description")
    # PostgreSQL text cannot hold NUL; pasted logs sometimes carry one.
    description = description.replace("\x00", "").strip() if isinstance(description, str) else ""
    if not description:
        fields["description"] = _l("Describe what you saw.")
    elif len(description) > MAX_DESCRIPTION:
        fields["description"] = _l("At most %(count)s characters.", count=MAX_DESCRIPTION)
    if fields:
        raise ValidationFailed(_l("Some fields need your attention."), fields=fields)
    return {"subscription_id": sub_id, "start": start, "end": end, "minutes": minutes, "description": description}


# --- filing -------------------------------------------------------------------------------------

def file_claim(user: User, data: dict, upload=None) -> SlaCreditRequest:
    """Validate everything first; only then store the attachment and insert the row (one commit)."""
    now = utcnow()
    parsed = _parse_claim(data, now)
    sub = own_active_subscription(user, parsed["subscription_id"])
    period = billing_period_for(sub, parsed["start"], parsed["end"])
    check_filing_deadline(period, now)
    attachment = None
    if upload is not None and getattr(upload, "filename", ""):
        attachment = attachments.check(upload.filename, upload.stream)

    # Serialize filings per subscription (PostgreSQL row lock; SQLite serializes writers anyway).
    db.session.execute(select(Subscription.id).where(Subscription.id == sub.id).with_for_update())
    overlapping = db.session.execute(
        select(SlaCreditRequest.id, SlaCreditRequest.source, SlaCreditRequest.status).where(
            SlaCreditRequest.subscription_id == sub.id,
            SlaCreditRequest.status.in_(SlaCreditRequest.blocking_statuses()),
            SlaCreditRequest.period_start < parsed["end"], SlaCreditRequest.period_end > parsed["start"])
        .order_by(SlaCreditRequest.id).limit(1)).first()
    if overlapping:
        db.session.rollback()
        raise _overlap_conflict(*overlapping)

    claim = SlaCreditRequest(
        user_id=user.id, subscription_id=sub.id, plan=sub.plan, currency=sub.currency,
        period_start=parsed["start"], period_end=parsed["end"], claimed_downtime_minutes=parsed["minutes"],
        description=parsed["description"],
    )
    measured = _apply_measurement(claim, period, now)
    key = attachments.store(attachment) if attachment else None
    try:
        if attachment:
            claim.attachment_key, claim.attachment_name = key, attachment.name
        db.session.add(claim)
        db.session.flush()
        audit.record("sla.filed", actor_id=user.id, target_user_id=user.id, target_type="sla_credit_request",
                     target_id=claim.id, details={"ticket_id": claim.ticket_id, "subscription_id": sub.id,
                                                  "claimed_downtime_minutes": parsed["minutes"],
                                                  "measured_downtime_minutes": measured["down_minutes"],
                                                  "monthly_uptime_percent": measured["uptime_pct"],
                                                  "attachment": bool(attachment)})
        db.session.commit()
    except Exception:
        db.session.rollback()
        attachments.discard(key)
        raise
    return claim


def _overlap_conflict(claim_id: int, source: str, status: str) -> Conflict:
    """One credit per period: a period we already drafted or credited ourselves is not claimed twice."""
    ticket = f"SLA-{claim_id:06d}"
    if source == "proactive":
        done = "credited" if status == "approved" else "are already crediting"
        return Conflict(_l("We noticed this billing period's downtime ourselves and %(done)s it: %(ticket)s. Nothing "
                           "more to file; if you think the outage was worse, dispute that credit once it is decided.",
                           done=i18n.lazy(done), ticket=ticket),
                        code="already_credited", extra={"ticket_id": ticket})
    return Conflict(_l("You already filed %(ticket)s for an overlapping period of this subscription.", ticket=ticket),
                    code="overlapping_claim", extra={"ticket_id": ticket})


def own_active_subscription(user: User, sub_id: int) -> Subscription:
    sub = db.session.get(Subscription, sub_id)
    if sub is None or sub.user_id != user.id:
        raise NotFound(_l("No such subscription on your account."), fields={"subscription_id": "not_found"})
    if sub.status != "active":
        raise ValidationFailed(_l("Only active subscriptions can claim SLA credits."),
                               fields={"subscription_id": _l("This subscription is %(status)s.",
                                                             status=i18n.lazy(sub.status))})
    return sub


def billing_period_for(sub: Subscription, start: datetime, end: datetime) -> periods.BillingPeriod:
    touching = periods.periods_touching(periods.billing_periods(sub), start, end)
    if not touching or (len(touching) == 1 and not touching[0].contains(start, end)):
        raise ValidationFailed(_l("The period is outside what this subscription covered."),
                               fields={"period_start": _l("Outside the subscription's billed periods.")})
    if len(touching) > 1:
        boundary = iso(touching[0].end)
        raise ValidationFailed(
            _l("Your window crosses the end of a billing period (%(boundary)s). Credits are computed per billing "
               "period: file one claim for each side of that moment.", boundary=boundary),
            fields={"period_end": _l("End it at %(boundary)s at the latest, and file a second claim for the rest.",
                                     boundary=boundary)})
    return touching[0]


def _apply_measurement(claim: SlaCreditRequest, period: periods.BillingPeriod, now: datetime | None = None) -> dict:
    """Measure the claim's billing period and store the figures and the suggestion on the claim."""
    measured = measure.measure_period(period.start, period.end, now=now)
    credited = periods.already_credited(claim.subscription_id, period, exclude_claim_id=claim.id) \
        if claim.subscription_id else 0
    computation = measure.suggest(measured, period.charge, period.currency, credited)
    computation["billing_period"] = period.as_dict()
    computation["claimed_window"] = {"start": iso(claim.period_start), "end": iso(claim.period_end),
                                     "claimed_downtime_minutes": claim.claimed_downtime_minutes}
    claim.billing_period_start, claim.billing_period_end = period.start, period.end
    claim.period_charge = period.charge
    claim.measured_downtime_minutes = measured["down_minutes"]
    claim.measured_degraded_minutes = measured["degraded_minutes"]
    claim.monthly_uptime_percent = measured["uptime_pct"]
    claim.suggested_credit_amount = computation["suggested_credit"]
    claim.computation = computation
    return measured


def remeasure(claim_id: int, actor_id: int) -> SlaCreditRequest:
    """Measure a pending claim again, e.g. when snapshots for its last minutes arrived after filing."""
    claim = get_claim(claim_id)
    if not claim.is_pending():
        raise Conflict(f"{claim.ticket_id} was already {claim.status}; its figures are final.", code="not_pending")
    before = claim.measured_downtime_minutes
    period = periods.period_of(claim) if claim.billing_period_start else None
    if period is None and claim.subscription is not None:  # filed before measurements were per period
        period = billing_period_for(claim.subscription, claim.period_start, claim.period_end)
    if period is None:
        raise Conflict(f"{claim.ticket_id} has no billing period to measure.", code="no_billing_period")
    measured = _apply_measurement(claim, period)
    audit.record("sla.remeasured", actor_id=actor_id, target_user_id=claim.user_id,
                 target_type="sla_credit_request", target_id=claim.id,
                 details={"ticket_id": claim.ticket_id, "down_minutes_before": before,
                          "down_minutes_after": measured["down_minutes"]})
    db.session.commit()
    return claim


# --- reading ------------------------------------------------------------------------------------

def claims_for_user(user_id: int) -> list[SlaCreditRequest]:
    return list(db.session.scalars(
        select(SlaCreditRequest).where(SlaCreditRequest.user_id == user_id)
        .order_by(SlaCreditRequest.created_at.desc(), SlaCreditRequest.id.desc())).unique())


def active_subscriptions(user_id: int) -> list[Subscription]:
    return list(db.session.scalars(
        select(Subscription).where(Subscription.user_id == user_id, Subscription.status == "active")
        .order_by(Subscription.id)).unique())


def admin_search(filters: ListFilters, plan: str | None = None) -> tuple[list[SlaCreditRequest], int]:
    """Filter on status ("disputed": an open dispute), the user's email, plan and the filing date (created_at,
    whole UTC days). Claims with an open dispute come first."""
    disputed = filters.status == DISPUTED
    filters = replace(filters, status=None) if disputed else filters
    open_dispute = select(SlaDispute.claim_id).where(SlaDispute.status == DisputeStatus.OPEN.value)
    query = filters.where(select(SlaCreditRequest), SlaCreditRequest.user_id, SlaCreditRequest.status,
                          SlaCreditRequest.created_at)
    if disputed:
        query = query.where(SlaCreditRequest.id.in_(open_dispute))
    if plan:
        known = [p["code"] for p in current_app.config["PLANS"]]
        if plan not in known:
            raise ValidationFailed("Unknown plan.", fields={"plan": f"One of {', '.join(known)}."})
        query = query.where(SlaCreditRequest.plan == plan)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(
        query.order_by(case((SlaCreditRequest.id.in_(open_dispute), 0), else_=1),  # open disputes first
                       SlaCreditRequest.created_at.desc(), SlaCreditRequest.id.desc())
        .limit(filters.per_page).offset((filters.page - 1) * filters.per_page)).unique().all()
    return list(rows), total


def get_claim(claim_id: int) -> SlaCreditRequest:
    claim = db.session.get(SlaCreditRequest, claim_id) if 0 < claim_id < 2**31 else None
    if claim is None:
        raise NotFound(_l("No such SLA credit request."))
    return claim


@dataclass
class ClaimView:
    """A claim as staff look at it, for the admin claim page and the admin JSON alike."""
    claim: SlaCreditRequest
    events: dict  # incidents and maintenance overlapping the claimed window (events.overlapping)

    @cached_property
    def period(self) -> periods.BillingPeriod:
        """The billing period as billing records it now; a claim without one shows its window, charging 0."""
        claim = self.claim
        return periods.period_of(claim) or periods.BillingPeriod(claim.period_start, claim.period_end, 0,
                                                                 claim.currency or "USD")

    @cached_property
    def credited_elsewhere(self) -> int:
        """What other claims of the billing period credited (the cap's other side), shown with the form."""
        if self.claim.subscription_id is None or self.claim.billing_period_start is None:
            return 0
        return periods.already_credited(self.claim.subscription_id, self.period, exclude_claim_id=self.claim.id)

    @cached_property
    def decider_email(self) -> str | None:
        decider = db.session.get(User, self.claim.decided_by) if self.claim.decided_by else None
        return decider.email if decider else None


def claim_view(claim: SlaCreditRequest) -> ClaimView:
    """The claim with what we recorded in its window; its billing period and decider are read when asked for."""
    return ClaimView(claim, events.overlapping(claim.period_start, claim.period_end))


def open_attachment(claim_id: int, actor_id: int):
    """(stream, name, content type) for staff; every download is audited."""
    claim = get_claim(claim_id)
    if not claim.attachment_key:
        raise NotFound("This claim has no attachment.")
    stream = attachments.open_for_download(claim.attachment_key, claim.attachment_name)
    audit.record("sla.attachment_downloaded", actor_id=actor_id, target_user_id=claim.user_id,
                 target_type="sla_credit_request", target_id=claim.id,
                 details={"ticket_id": claim.ticket_id, "name": claim.attachment_name}, commit=True)
    return stream, claim.attachment_name, attachments.content_type_for(claim.attachment_name)
