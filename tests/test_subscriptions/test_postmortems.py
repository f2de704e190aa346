"""Issue 24, point 2 (postmortems): staff publish a postmortem on a resolved incident over the admin
API; it shows on the incident's page and as v2 `postmortem_body`/`postmortem_published_at`; 409 while
the incident is open; subscribers are mailed (aiosmtpd) only when staff ask."""
from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditLog, Incident, StatusEvent
from tests.support.services import mail_parts
from tests.test_subscriptions.conftest import confirm_from_mail, open_incident, update_incident

BODY = "A config push removed the <card> processor's route.\nWe now canary every config push."


def _post(client, token, incident_id, body):
    return client.post(f"/api/admin/incidents/{incident_id}/postmortem", json=body,
                       headers={"X-CSRFToken": token})


def _state():
    return (db.session.scalar(select(func.count(StatusEvent.id))),
            db.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action.like("%postmortem%"))))


def test_a_postmortem_shows_on_the_incident_page_and_in_v2(client, admin, login):
    token = login(admin)
    item = open_incident("Checkout errors", ["stripe"], "Payments fail.")
    refused = _post(client, token, item.id, {"body": BODY})
    assert refused.status_code == 409 and refused.get_json()["error"] == "incident_open"
    update_incident(item, "resolved", "Payments work again.")
    before = _state()

    res = _post(client, token, item.id, {"body": BODY})

    assert res.status_code == 201 and res.get_json()["incident"]["postmortem_body"] == BODY
    assert _state() == (before[0], before[1] + 1)  # audited; subscribers not told (no notify)
    v2 = client.get("/api/v2/incidents.json").get_json()["incidents"][0]
    assert v2["postmortem_body"] == BODY and v2["postmortem_published_at"].endswith("Z")
    page = client.get(f"/status/incidents/{item.id}", follow_redirects=True).get_data(as_text=True)
    article = page.split(f'id="incident-{item.id}"', 1)[1].split("</article>", 1)[0]
    assert "Postmortem" in article and "We now canary every config push." in article
    assert "&lt;card&gt;" in article and "<card>" not in article  # staff text is escaped


def test_bad_input_strangers_and_missing_csrf_change_nothing(client, admin, user, login):
    item = open_incident("API errors", ["api"], "Errors.")
    update_incident(item, "resolved", "Fixed.")
    token = login(admin)
    for body, field in (({"body": "  "}, "body"), ({"body": "x", "notify": "yes"}, "notify"),
                        ({"body": "x", "author": "me"}, "author")):
        res = _post(client, token, item.id, body)
        assert res.status_code == 422 and field in res.get_json()["fields"], body
    assert client.post(f"/api/admin/incidents/{item.id}/postmortem", json={"body": "x"}).status_code in (400, 403)
    assert _post(client, token, 999999, {"body": "x"}).status_code == 404
    user_token = login(user)
    assert _post(client, user_token, item.id, {"body": "x"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Incident, item.id).postmortem_body is None


def test_subscribers_are_told_when_staff_ask(client, admin, login, subscribe, smtp, drain_queues):
    confirm_from_mail(client, subscribe(client, email="reader@example.com"))
    item = open_incident("Queue delays", ["workflows"], "Runs start late.")
    update_incident(item, "resolved", "Runs start on time again.")
    drain_queues()
    mailed = len(smtp.messages)
    token = login(admin)
    assert _post(client, token, item.id, {"body": "A worker leak.", "notify": False}).status_code == 201
    drain_queues()
    assert len(smtp.messages) == mailed
    assert _post(client, token, item.id, {"body": BODY, "notify": True}).status_code == 201
    drain_queues()
    smtp.wait_for(mailed + 1)
    note = smtp.messages[-1]["message"]
    assert "Postmortem" in note["Subject"] and "Queue delays" in note["Subject"]
    assert "We now canary every config push." in mail_parts(note)[0]
