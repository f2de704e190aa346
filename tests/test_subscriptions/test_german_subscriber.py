"""A subscriber hears in the language they subscribed in (issue 27): the confirmation, every
notification, while an English subscriber of the same incident gets English."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.common.iso import iso
from app.extensions import db
from app.models import StatusSubscriber
from app.models.types import utcnow
from app.status import maintenance
from tests.support.services import mail_parts
from tests.test_subscriptions.conftest import confirm_from_mail, link_in, open_incident

DE = {"Accept-Language": "de-DE,de;q=0.9"}


def test_a_german_subscriber_gets_german_mails_and_an_english_one_english(app, client, smtp, drain_queues):
    german = app.test_client()
    assert german.post("/api/status/subscribers", json={"email": "leser@example.com"}, headers=DE).status_code == 202
    assert client.post("/api/status/subscribers", json={"email": "reader@example.com"}).status_code == 202
    drain_queues()
    smtp.wait_for(2)
    by_to = {m["message"]["To"]: m["message"] for m in smtp.messages}
    confirm_de, confirm_en = by_to["leser@example.com"], by_to["reader@example.com"]
    text, html = mail_parts(confirm_de)
    assert "Abonnement" in str(confirm_de["Subject"]) or "Abonnement" in text
    assert "Hier bestätigen (der Link ist 7 Tage gültig):" in text and 'lang="de"' in html
    assert "Datenbank" in text and "Database" not in text
    assert "Confirm here (the link works for 7 days):" in mail_parts(confirm_en)[0]
    stored = {s.email: s.locale for s in db.session.scalars(select(StatusSubscriber))}
    assert stored == {"leser@example.com": "de", "reader@example.com": "en"}

    confirm_from_mail(german, confirm_de)
    confirm_from_mail(client, confirm_en)
    open_incident("API langsam", ["api"], "Anfragen dauern lange.")
    drain_queues()
    smtp.wait_for(4)
    notes = {m["message"]["To"]: m["message"] for m in smtp.messages[2:]}
    de_text, de_html = mail_parts(notes["leser@example.com"])
    assert "Wird untersucht" in notes["leser@example.com"]["Subject"]
    assert "Neue Störung: API langsam" in de_text and "Auswirkung: Schwer" in de_text
    assert "Abbestellen (ein Klick):" in de_text and "Details auf unserer Statusseite" in de_html
    en_text = mail_parts(notes["reader@example.com"])[0]
    assert "Investigating" in notes["reader@example.com"]["Subject"]
    assert "New incident: API langsam" in en_text and "Impact: Major" in en_text


def _german_subscriber(app, smtp, drain_queues):
    """A confirmed German subscriber: its browser (Accept-Language: de) and its confirmation mail."""
    german = app.test_client()
    before = len(smtp.messages)
    assert german.post("/api/status/subscribers", json={"email": "leser@example.com"}, headers=DE).status_code == 202
    drain_queues()
    confirm = smtp.wait_for(before + 1)[-1]["message"]
    confirm_from_mail(german, confirm)
    return german, confirm


def test_the_manage_page_is_german_for_a_german_visitor(app, smtp, drain_queues):
    german, confirm = _german_subscriber(app, smtp, drain_queues)
    url = link_in(confirm, r"http://localhost/status/subscriptions/manage/").removeprefix("http://localhost")
    page = german.get(url, headers=DE).get_data(as_text=True)
    assert '<html lang="de"' in page and "<h1>Ihr Status-Abonnement</h1>" in page
    assert "Aktiv: Sie erhalten Meldungen" in page and "Alles löschen" in page and "Als JSON herunterladen" in page
    assert "Your status subscription" not in page and "Delete everything" not in page
    english = app.test_client().get(url).get_data(as_text=True)
    assert "<h1>Your status subscription</h1>" in english and "Active: you receive updates" in english


def test_an_extended_maintenance_mail_to_a_german_subscriber_is_german(app, client, admin, login, smtp,
                                                                       drain_queues):
    german, confirm = _german_subscriber(app, smtp, drain_queues)
    now = utcnow()
    item = maintenance.schedule({"title": "Datenbank-Upgrade", "message": "Schreibzugriffe pausieren.",
                                 "components": ["database"], "starts_at": iso(now + timedelta(minutes=1)),
                                 "ends_at": iso(now + timedelta(minutes=5))}, None)
    item.starts_at = now - timedelta(minutes=10)
    db.session.commit()
    maintenance.advance()
    drain_queues()
    token = login(admin)
    new_end = (utcnow() + timedelta(hours=2)).replace(second=0, microsecond=0)
    res = client.post(f"/api/admin/maintenances/{item.id}/updates", headers={"X-CSRFToken": token},
                      json={"status": "in_progress", "message": "Der Index braucht länger.", "ends_at": iso(new_end)})
    assert res.status_code == 201
    drain_queues()
    smtp.wait_for(3)
    [mail] = [m for m in smtp.messages if "Wartung verlängert" in m["subject"]]
    text, html = mail_parts(mail["message"])
    assert mail["to"] == ["leser@example.com"] and 'lang="de"' in html
    assert "Wartung verlängert: Datenbank-Upgrade" in text and "Der Index braucht länger." in text
    assert new_end.strftime("%d.%m.%Y, %H:%M") in text and "Abbestellen (ein Klick):" in text
    assert "Maintenance extended" not in text
    # the manage page names each update sent by its headline, in German, not by its event key
    url = link_in(confirm, r"http://localhost/status/subscriptions/manage/").removeprefix("http://localhost")
    page = german.get(url, headers=DE).get_data(as_text=True)
    assert "· Wartung verlängert ·" in page and "· Wartung begonnen ·" in page
    assert "maintenance extended" not in page and "maintenance started" not in page
