"""Which language a page is in: the saved choice, else the visitor's cookie, else Accept-Language, else
English; and PATCH /api/auth/me {locale} with its strict input."""
from __future__ import annotations

import re

from app.extensions import db
from app.models import AuditLog, User

DE = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}


def _csrf(client) -> str:
    return client.get("/api/auth/csrf").get_json()["csrf_token"]


def test_a_german_visitor_gets_german_pages_and_german_money(client, configure):
    configure(PLANS=[{"code": "mini", "name": "Mini", "price_amount": 490, "currency": "EUR"},
                     {"code": "big", "name": "Big", "price_amount": 123450, "currency": "EUR"}])
    page = client.get("/pricing", headers=DE).get_data(as_text=True)
    assert '<html lang="de">' in page
    assert "<h1>Preise</h1>" in page and "Zum Inhalt springen" in page
    assert "4,90\xa0€" in page and "1.234,50\xa0€" in page
    english = client.get("/pricing").get_data(as_text=True)
    assert '<html lang="en">' in english and "<h1>Pricing</h1>" in english
    assert "€4.90" in english and "€1,234.50" in english


def test_a_language_english_does_not_offer_falls_back_to_english(client):
    page = client.get("/pricing", headers={"Accept-Language": "fr-FR,fr;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in page and "<h1>Pricing</h1>" in page


def test_the_selector_works_without_javascript_and_needs_csrf(client):
    refused = client.post("/language", data={"locale": "de", "next": "/pricing"})
    assert refused.status_code == 400
    res = client.post("/language", data={"locale": "de", "next": "/pricing", "csrf_token": _csrf(client)})
    assert res.status_code == 302 and res.headers["Location"].endswith("/pricing")
    page = client.get("/pricing", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<h1>Preise</h1>" in page  # the visitor's choice beats the header
    form = re.search(r'<form class="language" method="post" action="/language">.*?</form>', page).group(0)
    assert 'name="csrf_token"' in form and 'value="en"' in form and 'value="de"' in form
    bad = client.post("/language", data={"locale": "fr", "csrf_token": _csrf(client)})
    assert bad.status_code == 422


def test_the_saved_choice_wins_over_the_header_and_the_cookie(client, user, login):
    token = login(user)
    res = client.patch("/api/auth/me", json={"locale": "de"}, headers={"X-CSRFToken": token})
    assert res.status_code == 200 and res.get_json()["user"]["locale"] == "de"
    assert client.get("/api/auth/me").get_json()["user"]["locale"] == "de"
    client.set_cookie("locale", "en")
    page = client.get("/pricing", headers={"Accept-Language": "en-US,en"}).get_data(as_text=True)
    assert '<html lang="de">' in page and "<h1>Preise</h1>" in page
    row = AuditLog.query.filter_by(action="user.locale_changed", target_user_id=user.id).one()
    assert row.details == {"from": None, "to": "de"}


def test_signed_in_selector_saves_the_choice_on_the_account(client, user, login):
    login(user)
    client.post("/language", data={"locale": "de", "next": "/", "csrf_token": _csrf(client)})
    assert db.session.get(User, user.id).locale == "de"


def test_patch_me_is_strict(client, user, login):
    token = login(user)
    headers = {"X-CSRFToken": token}
    for body, field in (({"locale": "fr"}, "locale"), ({"locale": 1}, "locale"), ({"locale": "DE"}, "locale"),
                        ({}, "locale"), ({"locale": "de", "name": "x"}, "name")):
        res = client.patch("/api/auth/me", json=body, headers=headers)
        assert res.status_code == 422, body
        assert field in res.get_json()["fields"]
    assert db.session.get(User, user.id).locale is None  # nothing changed
    assert client.patch("/api/auth/me", json={"locale": "de"}).status_code == 400  # no CSRF token
    client.post("/api/auth/logout", headers=headers)
    assert client.patch("/api/auth/me", json={"locale": "de"}).status_code in (400, 401)


def test_the_proactive_credit_mail_to_a_german_user_is_german(user, smtp):
    from datetime import UTC, datetime

    from app.models import SlaCreditRequest
    from app.sla import staff
    from tests.support.services import mail_parts

    user.locale = "de"
    start, end = datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC)
    claim = SlaCreditRequest(user_id=user.id, plan="pro", period_start=start, period_end=end, source="proactive",
                             billing_period_start=start, billing_period_end=end, currency="EUR",
                             credit_amount=490, period_charge=4900, status="approved", credit_state="issued",
                             stripe_ref="cn_123", computation={"uptime_pct": 99.5, "down_minutes": 223,
                                                               "credit_pct": 10, "tier_applied": [99.9, 10]})
    db.session.add(claim)
    db.session.commit()
    assert staff.send_decision_email(claim.id)
    [mail] = smtp.wait_for(1)
    assert mail["subject"] == "Wir haben unseren Ausfall bemerkt und Ihnen 4,90\xa0€ gutgeschrieben"
    text, html = mail_parts(mail["message"])
    text = text.replace("\r\n", "\n")
    assert "Wir haben bemerkt, dass unser Dienst in Ihrem Abrechnungszeitraum\n01.10.2026 bis 01.11.2026" in text
    assert "monatliche Verfügbarkeit von 99,500 %" in text and "We noticed" not in text
    assert '<html lang="de">' in html and "Ihre Gutschriften ansehen" in html and "We noticed" not in html
