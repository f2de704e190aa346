"""/status and /status/history follow the visitor's language (issue 27): words, dates and percentages in
German for a German browser, English for everyone else, each from its own cached copy."""
from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.models import Incident
from app.models.types import utcnow

DE = {"Accept-Language": "de-DE,de;q=0.9"}


def _incident(started):
    db.session.add(Incident(title="Exporte langsam", status="monitoring", impact="major", components=["workflows"],
                            message="Wir beobachten.", started_at=started))
    db.session.commit()


def test_a_german_visitor_sees_the_status_page_in_german(client, healthy_day):
    started = (utcnow() - timedelta(hours=2)).replace(second=0, microsecond=0)
    _incident(started)
    german = client.get("/status", headers=DE).get_data(as_text=True)
    assert '<html lang="de">' in german
    assert "Komponenten" in german and "Frühere Störungen" in german and "Datenbank" in german
    assert "Wird beobachtet" in german and "Auswirkung: Schwer" in german
    assert started.strftime("%d.%m.%Y, %H:%M UTC") in german  # Babel's German date order
    assert "100 % Verfügbarkeit" in german
    english = client.get("/status").get_data(as_text=True)  # the English copy is cached on its own
    assert '<html lang="en">' in english and "Components" in english and "Komponenten" not in english
    assert started.strftime("%Y-%m-%d %H:%M UTC") in english
    fragment = client.get("/status/fragment", headers=DE).get_data(as_text=True)
    assert "Komponenten" in fragment
    assert "Accept-Language" in client.get("/status", headers=DE).headers["Vary"]


def test_german_percentages_use_a_decimal_comma(app):
    from flask_babel import refresh

    from public.status import pct

    with app.test_request_context("/status", headers=DE):
        assert (pct(99.95), pct(100), pct(99.999), pct(None)) == ("99,95 %", "100 %", "99,99 %", "keine Daten")
    with app.test_request_context("/status"):
        refresh()  # the test's app context outlives the first request: forget its language
        assert (pct(99.95), pct(100), pct(None)) == ("99.95 %", "100 %", "no data")


def test_the_history_page_in_german(client, healthy_day):
    _incident(utcnow() - timedelta(hours=3))
    german = client.get("/status/history", headers=DE).get_data(as_text=True)
    assert '<html lang="de">' in german and "Exporte langsam" in german
    month = utcnow()
    names = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
             "November", "Dezember"]
    assert f"{names[month.month - 1]} {month.year}" in german
