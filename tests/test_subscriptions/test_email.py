"""Email subscriptions end to end on real parts: the API and the form, the confirmation mail in
aiosmtpd, notifications with RFC 8058 headers, one-click unsubscribe without a session."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditLog, StatusNotification, StatusSubscriber
from app.models.types import utcnow
from app.status import maintenance
from tests.support.services import mail_parts
from tests.test_subscriptions.conftest import confirm_from_mail, csrf_from, link_in, open_incident, update_incident


def _subs() -> list[StatusSubscriber]:
    return list(db.session.scalars(select(StatusSubscriber).order_by(StatusSubscriber.id)))


def test_double_opt_in_then_notified_with_one_click_unsubscribe(app, client, smtp, subscribe, drain_queues):
    confirm_mail = subscribe(client, email="Reader@Example.com")
    assert confirm_mail["To"] == "reader@example.com"
    assert "Confirm" in confirm_mail["Subject"]

    open_incident("Checkout errors", ["stripe"], "Payments fail for some cards.")
    drain_queues()
    assert len(smtp.messages) == 1, "nothing is sent before the address is confirmed"

    confirmed = confirm_from_mail(client, confirm_mail)
    assert "You are subscribed" in confirmed and "every component" in confirmed
    sub = _subs()[0]
    assert sub.state == "active" and sub.confirmed_at is not None

    item = open_incident("API latency", ["api"], "Requests are slow; we are looking into it.")
    drain_queues()
    smtp.wait_for(2)
    note = smtp.messages[1]["message"]
    text, html = mail_parts(note)
    assert note["To"] == "reader@example.com"
    assert "API latency" in note["Subject"] and "Investigating" in note["Subject"]
    assert "Requests are slow" in text and "Requests are slow" in html
    assert note["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe_url = note["List-Unsubscribe"].strip("<>")
    assert unsubscribe_url in text

    update_incident(item, "resolved", "Latency is back to normal.")
    drain_queues()
    smtp.wait_for(3)
    assert "Resolved" in smtp.messages[2]["subject"] and "back to normal" in mail_parts(smtp.messages[2]["message"])[0]

    # RFC 8058: the mail client POSTs the form body, with no cookie and no CSRF token.
    stranger = app.test_client()
    res = stranger.post(unsubscribe_url.removeprefix("http://localhost"), data="List-Unsubscribe=One-Click",
                        content_type="application/x-www-form-urlencoded")
    assert res.status_code == 200 and "You are unsubscribed" in res.get_data(as_text=True)
    db.session.expire_all()
    assert _subs()[0].state == "unsubscribed"
    assert stranger.post(unsubscribe_url.removeprefix("http://localhost")).status_code == 200  # again: harmless

    open_incident("Another one", [], "Whole service.")
    drain_queues()
    assert len(smtp.messages) == 3, "an unsubscribed address hears nothing more"
    actions = set(db.session.scalars(select(AuditLog.action).where(AuditLog.target_type == "status_subscriber")))
    assert {"status.subscription_requested", "status.subscription_confirmed", "status.unsubscribed"} <= actions


def test_same_answer_whatever_the_state_and_no_enumeration(client, smtp, subscribe):
    answers = []
    first = client.post("/api/status/subscribers", json={"email": "a@example.com"})
    answers.append((first.status_code, first.get_json()))
    second = client.post("/api/status/subscribers", json={"email": "a@example.com"})  # pending
    answers.append((second.status_code, second.get_json()))
    mail = subscribe(client, email="b@example.com")
    confirm_from_mail(client, mail)
    third = client.post("/api/status/subscribers", json={"email": "b@example.com"})  # confirmed
    answers.append((third.status_code, third.get_json()))
    assert len({repr(a) for a in answers}) == 1 and answers[0][0] == 202
    assert len(_subs()) == 2


def test_a_new_confirmation_link_replaces_the_old_and_a_link_works_once(client, subscribe, smtp):
    old = subscribe(client, email="c@example.com")
    new = subscribe(client, email="c@example.com", components=["api"])
    old_path = link_in(old, r"http://localhost/status/subscriptions/confirm/").removeprefix("http://localhost")
    assert client.get(old_path).status_code == 410
    confirm_from_mail(client, new)
    assert _subs()[0].components == ["api"]
    new_path = link_in(new, r"http://localhost/status/subscriptions/confirm/").removeprefix("http://localhost")
    again = client.get(new_path)  # a second click on the used link: they are subscribed, and told so
    assert again.status_code == 200 and "You are already subscribed" in again.get_data(as_text=True)
    assert _subs()[0].components == ["api"] and _subs()[0].state == "active"  # nothing changed
    token = re.search(r'name="csrf-token" content="([^"]+)"', again.get_data(as_text=True)).group(1)
    assert "You are already subscribed" in client.post(new_path, data={"csrf_token": token}).get_data(as_text=True)
    _subs()[0].unsubscribed_at = utcnow()
    db.session.commit()
    assert client.get(new_path).status_code == 410  # used, and no longer subscribed
    assert client.get("/status/subscriptions/confirm/not-a-token").status_code == 404
    assert client.get("/status/unsubscribe/forged.token").status_code == 404


def test_only_subscribers_of_an_affected_component_are_told(client, smtp, subscribe, drain_queues):
    for email, components in (("db@example.com", ["database"]), ("pay@example.com", ["stripe"]),
                              ("all@example.com", [])):
        confirm_from_mail(client, subscribe(client, email=email, components=components))
    smtp.messages.clear()
    open_incident("Replica lag", ["database"], "Reads are stale.")
    drain_queues()
    smtp.wait_for(2)
    assert sorted(m["to"][0] for m in smtp.messages) == ["all@example.com", "db@example.com"]
    smtp.messages.clear()
    open_incident("Everything", [], "An incident naming no component concerns everyone.")
    drain_queues()
    smtp.wait_for(3)
    assert len(smtp.messages) == 3


def test_maintenance_scheduled_started_and_completed_are_announced(client, smtp, subscribe, drain_queues, admin):
    from datetime import timedelta

    confirm_from_mail(client, subscribe(client, email="ops@example.com", components=["api"]))
    smtp.messages.clear()
    now = utcnow()
    item = maintenance.schedule({"title": "Database upgrade", "message": "Expect short pauses.",
                                 "components": ["api", "database"], "starts_at": (now + timedelta(hours=1)).isoformat(),
                                 "ends_at": (now + timedelta(hours=2)).isoformat()}, admin.id)
    drain_queues()
    maintenance.advance(now + timedelta(minutes=61))
    drain_queues()
    maintenance.advance(now + timedelta(minutes=121))
    drain_queues()
    smtp.wait_for(3)
    subjects = [m["subject"] for m in smtp.messages]
    assert len(subjects) == 3 and all("Database upgrade" in s for s in subjects)
    assert [s.split("]")[1].split(":")[0].strip() for s in subjects] == \
        ["Scheduled maintenance", "Maintenance started", "Maintenance completed"]
    assert item.id and "Expect short pauses." in mail_parts(smtp.messages[0]["message"])[0]


def test_a_retried_batch_never_mails_twice(client, smtp, subscribe, drain_queues):
    from app.models import StatusEvent
    from app.subscriptions import notify

    confirm_from_mail(client, subscribe(client, email="once@example.com"))
    smtp.messages.clear()
    open_incident("Queue backlog", ["workflows"], "Runs start late.")
    drain_queues()
    smtp.wait_for(1)
    event = db.session.scalars(select(StatusEvent)).one()
    sub = _subs()[0]
    assert notify.send_emails(event.id, [sub.id]) == {"sent": 0, "skipped": 0}
    assert notify.fanout(event.id)["emails"] == 1  # a re-run fan-out re-enqueues…
    drain_queues()
    assert len(smtp.messages) == 1  # …and the claim stops the second mail
    rows = db.session.scalars(select(StatusNotification)).all()
    assert [(r.status, r.attempts) for r in rows] == [("sent", 1)]


def test_bad_input_is_a_clear_422_and_stores_nothing(client, smtp, drain_queues):
    cases = [({"email": "not-an-address"}, "email"), ({"email": "x@example.com", "components": ["disk"]}, "components"),
             ({"email": "x@example.com", "components": "api"}, "components"),
             ({"email": "x@example.com", "admin": True}, "admin"), ({"email": "a@b.c\r\nBcc: x@evil.test"}, "email"),
             ({"email": "x@example.com", "webhook_url": "ftp://example.com/x"}, "webhook_url"),
             ({"email": "x@example.com", "webhook_url": 7}, "webhook_url")]
    for body, field in cases:
        res = client.post("/api/status/subscribers", json=body)
        assert res.status_code == 422, (body, res.get_json())
        assert res.get_json()["ok"] is False and field in res.get_json()["fields"], body
    assert client.post("/api/status/subscribers", data="email=x@example.com").status_code == 400
    assert client.post("/api/status/subscribers", data="{", content_type="application/json").status_code == 400
    drain_queues()
    assert _subs() == [] and smtp.messages == []


def test_throttled_per_address_silently_and_per_client_with_429(app, client, smtp, configure, drain_queues):
    configure(STATUS_SUBSCRIBE_PER_ADDRESS="2 per hour", STATUS_SUBSCRIBE_PER_CLIENT="5 per hour")
    codes = [client.post("/api/status/subscribers", json={"email": "bomb@example.com"}).status_code for _ in range(4)]
    assert codes == [202] * 4  # the same answer…
    drain_queues()
    smtp.wait_for(2)
    assert len(smtp.messages) == 2  # …but the address gets no more than its share of mail
    assert client.post("/api/status/subscribers", json={"email": "other@example.com"}).status_code == 202
    res = client.post("/api/status/subscribers", json={"email": "third@example.com"})
    assert res.status_code == 429 and res.get_json()["error"] == "rate_limited" and int(res.headers["Retry-After"]) > 0
    assert db.session.scalar(select(func.count()).select_from(StatusSubscriber)) == 2


def test_the_form_works_without_javascript(client, smtp, drain_queues):
    page = client.get("/status/subscribe?email=form@example.com")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'value="form@example.com"' in html
    bad = client.post("/status/subscribe", data={"csrf_token": csrf_from(html), "email": "nope"})
    assert bad.status_code == 422 and "valid email" in bad.get_data(as_text=True)
    missing_token = client.post("/status/subscribe", data={"email": "form@example.com"})
    assert missing_token.status_code == 400
    ok = client.post("/status/subscribe", data={"csrf_token": csrf_from(html), "email": "form@example.com",
                                                "components": ["api", "database"]})
    assert ok.status_code == 200 and "Check your inbox" in ok.get_data(as_text=True)
    drain_queues()
    smtp.wait_for(1)
    assert "API, Database" in mail_parts(smtp.messages[0]["message"])[0]
    assert "subscribe-form" in client.get("/status").get_data(as_text=True)


@pytest.mark.server_only
def test_the_sweeper_hands_over_an_event_whose_enqueue_was_lost(client, smtp, subscribe, drain_queues):
    from datetime import timedelta

    from sqlalchemy import update

    from app.models import StatusEvent
    from app.models.types import utcnow
    from app.status import events

    confirm_from_mail(client, subscribe(client, email="late@example.com"))
    smtp.messages.clear()
    open_incident("Lost hand-over", [], "The queue dropped the fan-out.")
    from app.common.redis import client as connection
    connection().flushdb()  # the fan-out job is gone, as if Redis restarted empty
    db.session.execute(update(StatusEvent).values(created_at=utcnow() - timedelta(minutes=5)))
    db.session.commit()
    assert events.sweep() == 1
    drain_queues()
    smtp.wait_for(1)
    assert len(smtp.messages) == 1 and "Lost hand-over" in smtp.messages[0]["subject"]
    assert events.sweep() == 0


def test_the_admin_incidents_api_notifies_subscribers(client, smtp, subscribe, drain_queues, admin, login, app):
    confirm_from_mail(client, subscribe(client, email="api-reader@example.com", components=["api"]))
    smtp.messages.clear()
    staff = app.test_client()
    token = login(admin, on=staff)
    res = staff.post("/api/admin/incidents", json={"title": "Elevated 5xx", "impact": "major", "components": ["api"],
                                                   "message": "Some requests fail.", "status": "investigating"},
                     headers={"X-CSRFToken": token})
    assert res.status_code == 201, res.get_json()
    incident_id = res.get_json()["incident"]["id"]
    drain_queues()
    res = staff.post(f"/api/admin/incidents/{incident_id}/updates", json={"status": "monitoring",
                     "message": "A fix is out; watching."}, headers={"X-CSRFToken": token})
    assert res.status_code == 201, res.get_json()
    drain_queues()
    smtp.wait_for(2)
    assert [m["subject"].split("]")[1].split(":")[0].strip() for m in smtp.messages] == ["Investigating", "Monitoring"]
    assert "A fix is out; watching." in mail_parts(smtp.messages[1]["message"])[0]
