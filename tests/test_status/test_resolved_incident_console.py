"""Issue 24, point 3: the console refuses an update to a resolved incident exactly as the API does
(409 `incident_resolved` there): no second "resolved" entry, no event for subscribers, the public
banner keeps the resolving message."""
import re

from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditLog, Incident, IncidentUpdate, StatusEvent
from app.status.incidents import RESOLVED_MESSAGE

NEW = {"title": "Checkout errors", "impact": "major", "components": ["stripe"],
       "message": "Payments fail for some customers.", "status": "investigating"}


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def _counts():
    return (db.session.scalar(select(func.count(IncidentUpdate.id))),
            db.session.scalar(select(func.count(StatusEvent.id))),
            db.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.target_type == "incident")))


def test_a_console_save_on_an_incident_resolved_meanwhile_is_refused(client, admin, login):
    api_token = login(admin)
    incident_id = client.post("/api/admin/incidents", json=NEW,
                              headers={"X-CSRFToken": api_token}).get_json()["incident"]["id"]
    edit = f"/admin/incidents/edit/?id={incident_id}"
    form_token = _token(client.get(edit).get_data(as_text=True))  # the form opened while it was open
    res = client.post(f"/api/admin/incidents/{incident_id}/updates", headers={"X-CSRFToken": api_token},
                      json={"status": "resolved", "message": "A provider fix is live."})
    assert res.status_code == 201
    before = _counts()

    res = client.post(edit, data={"csrf_token": form_token, "title": "Checkout errors", "status": "resolved",
                                  "impact": "major", "components": ["stripe"], "message": "All good now."})

    assert res.status_code == 200  # the form again, not the redirect of a saved record
    assert RESOLVED_MESSAGE in res.get_data(as_text=True)
    db.session.expire_all()
    assert _counts() == before  # no timeline entry, no subscriber event, no audit of a change
    incident = db.session.get(Incident, incident_id)
    assert [u.message for u in incident.updates] == ["A provider fix is live.", NEW["message"]]
    assert incident.message == "A provider fix is live."
    banner = client.get("/status").get_data(as_text=True).split('<section class="banners"', 1)[1]
    banner = banner.split("</section>", 1)[0]
    assert "A provider fix is live." in banner and "All good now." not in banner
    again = client.post(f"/api/admin/incidents/{incident_id}/updates", headers={"X-CSRFToken": api_token},
                        json={"status": "resolved", "message": "All good now."})
    assert again.status_code == 409 and again.get_json()["message"] == RESOLVED_MESSAGE  # same words


def test_the_edit_page_of_a_resolved_incident_says_so_and_offers_no_form(client, admin, login):
    api_token = login(admin)
    incident_id = client.post("/api/admin/incidents", json={**NEW, "status": "resolved"},
                              headers={"X-CSRFToken": api_token}).get_json()["incident"]["id"]
    page = client.get(f"/admin/incidents/edit/?id={incident_id}").get_data(as_text=True)
    assert "This incident is resolved; it takes no" in page and "Open a new incident" in page
    assert NEW["message"] in page  # the timeline is still shown
    assert 'name="message"' not in page


def test_staff_publish_a_postmortem_from_the_console(client, admin, login):
    api_token = login(admin)
    incident_id = client.post("/api/admin/incidents", json={**NEW, "status": "resolved"},
                              headers={"X-CSRFToken": api_token}).get_json()["incident"]["id"]
    edit = f"/admin/incidents/edit/?id={incident_id}"
    token = _token(client.get(edit).get_data(as_text=True))
    res = client.post(f"/admin/incidents/{incident_id}/postmortem",
                      data={"csrf_token": token, "body": "A certificate expired.\nWe now alert 30 days ahead."})
    assert res.status_code == 302
    page = client.get(edit).get_data(as_text=True)
    assert "Postmortem published." in page and "We now alert 30 days ahead." in page
    db.session.expire_all()
    incident = db.session.get(Incident, incident_id)
    assert incident.postmortem_body.startswith("A certificate expired.") and incident.postmortem_published_at
    assert db.session.scalar(select(func.count(StatusEvent.id)).where(StatusEvent.kind == "incident.postmortem")) == 0
    history = client.get(f"/status/incidents/{incident_id}", follow_redirects=True).get_data(as_text=True)
    assert "We now alert 30 days ahead." in history

    empty = client.post(f"/admin/incidents/{incident_id}/postmortem", data={"csrf_token": token, "body": ""},
                        follow_redirects=True).get_data(as_text=True)
    assert "The postmortem was not saved: Postmortem: This field is required." in empty
    db.session.expire_all()
    assert db.session.get(Incident, incident_id).postmortem_body.startswith("A certificate expired.")
