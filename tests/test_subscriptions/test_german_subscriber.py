"""A subscriber hears in the language they subscribed in (issue 27): the confirmation, every
notification, while an English subscriber of the same incident gets English."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import StatusSubscriber
from tests.support.services import mail_parts
from tests.test_subscriptions.conftest import confirm_from_mail, open_incident

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
