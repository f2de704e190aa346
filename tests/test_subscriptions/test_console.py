"""The staff console for status subscriptions (/admin/status-subscribers, /admin/status-events): admins
only; rows without secrets; unsubscribe and re-enable are CSRF-protected, audited, and really change what
is delivered (a re-enabled webhook gets the next notification, at the local receiver)."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import AuditLog, DeliveryStatus, StatusEvent, StatusNotification, StatusSubscriber
from app.models.types import utcnow
from tests.test_subscriptions.conftest import open_incident

LIST = "/admin/status-subscribers/"
SECRET = "whsec_" + "ab" * 24
NONCE = "c0ffee" * 5 + "00"


def _subscriber(email: str, url: str | None = None, **state) -> StatusSubscriber:
    row = StatusSubscriber(email=email, webhook_url=url, components=state.pop("components", []), **state)
    db.session.add(row)
    db.session.commit()
    return row


def _world(receiver_url: str) -> dict[str, StatusSubscriber]:
    now = utcnow()
    return {
        "pending": _subscriber("pending@example.com", confirm_token=NONCE, created_at=now - timedelta(days=3)),
        "active": _subscriber("active@example.com", confirmed_at=now, components=["api"],
                              created_at=now - timedelta(days=2)),
        "gone": _subscriber("gone@example.com", confirmed_at=now, unsubscribed_at=now,
                            created_at=now - timedelta(days=1)),
        "hook": _subscriber("ops@example.com", receiver_url, confirmed_at=now, webhook_secret=SECRET,
                            consecutive_failures=15, disabled_at=now, disabled_emailed_at=now,
                            last_error="HTTP 500 from https://hooks.example.com/x?token=tok_abcdefgh12345678",
                            created_at=now),
    }


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _rows(html: str) -> list[str]:
    """The grid's e-mail cells, top to bottom."""
    return re.findall(r'class="col-email">\s*([^<\s]+)', html)


def test_non_admins_are_refused(client, user, login):
    row = _subscriber("a@example.com", confirmed_at=utcnow())
    token = login(user)
    assert client.get(LIST).status_code == 403
    assert client.get("/admin/status-events/").status_code == 403
    res = client.post(f"{LIST}{row.id}/unsubscribe", data={"csrf_token": token})
    assert res.status_code == 403
    db.session.refresh(row)
    assert row.unsubscribed_at is None


def test_admin_sees_every_subscriber_newest_first_without_secrets(client, admin, login, receiver):
    world = _world(receiver.url)
    login(admin)
    res = client.get(LIST)
    html = res.get_data(as_text=True)
    assert res.status_code == 200
    assert _rows(html) == ["ops@example.com", "gone@example.com", "active@example.com", "pending@example.com"]
    for state in ("pending", "active", "unsubscribed", "disabled"):
        assert f'state-{state}">{state}<' in html
    host = receiver.url.split("/")[2]
    # The host, not the URL: its path and query may hold the receiver's token.
    assert re.search(rf'class="col-webhook_host">\s*{re.escape(host)}\s*<', html)
    assert "/hooks/levqor" not in html and "team=ops" not in html
    assert SECRET not in html and "whsec_" not in html and NONCE not in html
    assert "tok_abcdefgh12345678" not in html and "token=[redacted]" in html  # last_error, redacted
    assert "webhook_secret" not in html and "confirm_token" not in html
    for path in (f"/admin/status-subscribers/details/?id={world['hook'].id}",
                 f"/admin/status-subscribers/edit/?id={world['hook'].id}", "/admin/status-subscribers/new/"):
        page = client.get(path)  # no details, edit or create page: Flask-Admin sends us back to the list
        assert page.status_code in (302, 404) and SECRET not in page.get_data(as_text=True), path


def test_filters_state_kind_and_email(client, admin, login, receiver):
    _world(receiver.url)
    login(admin)

    def emails(query: str) -> list[str]:
        res = client.get(f"{LIST}?{query}")
        assert res.status_code == 200
        return _rows(res.get_data(as_text=True))

    assert emails("flt0_state_is=disabled") == ["ops@example.com"]
    assert emails("flt0_state_is=pending") == ["pending@example.com"]
    assert emails("flt0_state_is=unsubscribed") == ["gone@example.com"]
    assert emails("flt0_state_is=active") == ["active@example.com"]
    assert emails("flt0_kind_is=webhook") == ["ops@example.com"]
    assert len(emails("flt0_kind_is=email")) == 3
    assert emails("flt0_email_contains=ACTIVE") == ["active@example.com"]


def test_unsubscribe_needs_csrf_then_works_and_is_audited(client, admin, login, receiver):
    world = _world(receiver.url)
    login(admin)
    row = world["active"]
    html = client.get(LIST).get_data(as_text=True)
    assert f'action="/admin/status-subscribers/{row.id}/unsubscribe' in html
    assert f"/admin/status-subscribers/{world['gone'].id}/unsubscribe" not in html  # already unsubscribed

    refused = client.post(f"{LIST}{row.id}/unsubscribe", data={})
    assert refused.status_code == 400
    db.session.refresh(row)
    assert row.unsubscribed_at is None

    res = client.post(f"{LIST}{row.id}/unsubscribe", data={"csrf_token": _csrf(html)}, follow_redirects=True)
    assert res.status_code == 200 and "active@example.com (email) is unsubscribed" in res.get_data(as_text=True)
    db.session.refresh(row)
    assert row.state == "unsubscribed"
    audit = db.session.scalars(select(AuditLog).where(
        AuditLog.action == "status.subscriber_unsubscribed_by_staff")).one()
    assert (audit.actor_id, audit.target_type, audit.target_id) == (admin.id, "status_subscriber", str(row.id))

    again = client.post(f"{LIST}{row.id}/unsubscribe", data={"csrf_token": _csrf(html)}, follow_redirects=True)
    assert "already unsubscribed" in again.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count(AuditLog.id)).where(
        AuditLog.action == "status.subscriber_unsubscribed_by_staff")) == 1


def test_a_reenabled_webhook_gets_the_next_delivery(client, admin, login, receiver, drain_queues):
    world = _world(receiver.url)
    hook = world["hook"]
    open_incident("While it was off", [], "Nothing reaches a turned-off webhook.")
    drain_queues()
    assert receiver.requests == []

    login(admin)
    html = client.get(LIST).get_data(as_text=True)
    assert html.count("reenable-webhook") == 1 and f"/admin/status-subscribers/{hook.id}/reenable" in html
    refused = client.post(f"{LIST}{hook.id}/reenable", data={})
    assert refused.status_code == 400
    db.session.refresh(hook)
    assert hook.state == "disabled"

    res = client.post(f"{LIST}{hook.id}/reenable", data={"csrf_token": _csrf(html)}, follow_redirects=True)
    assert "is on again" in res.get_data(as_text=True)
    db.session.refresh(hook)
    assert hook.state == "active" and hook.consecutive_failures == 0 and hook.disabled_emailed_at is None
    audit = db.session.scalars(select(AuditLog).where(AuditLog.action == "status.webhook_reenabled")).one()
    assert audit.actor_id == admin.id and audit.details["failures_before"] == 15
    assert "tok_abcdefgh12345678" not in str(audit.details)

    not_disabled = client.post(f"{LIST}{world['active'].id}/reenable", data={"csrf_token": _csrf(html)},
                               follow_redirects=True)
    assert "not a turned-off webhook" in not_disabled.get_data(as_text=True)

    open_incident("After re-enabling", ["api"], "This one is delivered.")
    drain_queues()
    assert len(receiver.requests) == 1
    assert b"After re-enabling" in receiver.requests[0]["body"]
    db.session.refresh(hook)
    assert hook.last_delivery_at is not None and hook.last_error is None


def test_events_list_counts_deliveries_and_filters_failures(client, admin, login, receiver):
    world = _world(receiver.url)
    now = utcnow()
    ok = StatusEvent(kind="incident.created", subject_type="incident", subject_id=1, components=["api"],
                     fanned_out_at=now, recipients=2)
    bad = StatusEvent(kind="incident.updated", subject_type="incident", subject_id=1, fanned_out_at=now, recipients=3)
    db.session.add_all([ok, bad])
    db.session.flush()
    db.session.add_all([
        StatusNotification(event_id=ok.id, subscriber_id=world["active"].id, status=DeliveryStatus.SENT),
        StatusNotification(event_id=ok.id, subscriber_id=world["pending"].id, status=DeliveryStatus.SKIPPED),
        StatusNotification(event_id=bad.id, subscriber_id=world["active"].id, status=DeliveryStatus.SENT),
        StatusNotification(event_id=bad.id, subscriber_id=world["hook"].id, status=DeliveryStatus.FAILED,
                           last_error="HTTP 500"),
        StatusNotification(event_id=bad.id, subscriber_id=world["gone"].id, status=DeliveryStatus.SENDING,
                           lease_until=now + timedelta(minutes=10)),  # its job is still on it
        StatusNotification(event_id=bad.id, subscriber_id=world["pending"].id, status=DeliveryStatus.SENDING,
                           lease_until=now - timedelta(seconds=1)),  # its job died mid-send: uncertain
    ])
    db.session.commit()
    login(admin)
    html = client.get("/admin/status-events/").get_data(as_text=True)
    assert "incident.created" in html and "incident.updated" in html
    assert ('<span class="delivery-sending">1 sending</span>, <span class="delivery-sent">1 sent</span>, '
            '<span class="delivery-failed">1 failed</span>, <span class="delivery-skipped">0 skipped</span>, '
            '<span class="delivery-uncertain">1 uncertain</span>') in html
    assert '<span class="delivery-sent">1 sent</span>, <span class="delivery-failed">0 failed</span>, ' \
           '<span class="delivery-skipped">1 skipped</span>' in html
    failed = client.get("/admin/status-events/?flt0_failed_deliveries_has=1").get_data(as_text=True)
    assert "incident.updated" in failed and "incident.created" not in failed
    menu = client.get("/admin/").get_data(as_text=True)
    assert menu.index("Maintenance") < menu.index("Status subscribers") < menu.index("Status events")
