"""Errors in the visitor's language without breaking the JSON API: `message` and `fields` stay English for
integrators whoever asks; a German visitor's error also carries `localized` (German), which the OpenAPI
error schema describes; the form without JavaScript says the same in German."""
from __future__ import annotations

import html
import json
import re

import jsonschema

from app.api.openapi_spec import SCHEMAS

DE = {"Accept-Language": "de-DE,de;q=0.9"}
BAD = {"email": "not-an-address"}


def _csrf(client) -> str:
    return client.get("/api/auth/csrf").get_json()["csrf_token"]


def test_a_german_visitor_gets_english_json_with_a_german_localized_member(client):
    res = client.post("/api/status/subscribers", json=BAD, headers=DE)
    assert res.status_code == 422
    body = res.get_json()
    jsonschema.validate(body, SCHEMAS["Error"])
    assert body["message"] == "The subscription was not saved."
    assert body["fields"]["email"] == "Enter a valid email address (name@example.com)."
    assert body["localized"] == {
        "message": "Das Abonnement wurde nicht gespeichert.",
        "fields": {"email": "Geben Sie eine gültige E-Mail-Adresse ein (name@example.com)."}}


def test_the_locale_cookie_counts_like_the_header_and_values_are_worded_in_german(client):
    client.set_cookie("locale", "de")
    res = client.post("/api/status/subscribers", json={"email": "a@example.com", "webhook_url": 5})
    body = res.get_json()
    assert body["fields"]["webhook_url"] == "A URL string."
    assert body["localized"]["fields"]["webhook_url"] == "Eine URL als Text."
    jsonschema.validate(body, SCHEMAS["Error"])
    # a message with a value in it (the limit) is worded in German around the same value
    res = client.post("/api/status/subscribers", data=b"[" * 40 + b"]" * 40, content_type="application/json")
    body = res.get_json()
    assert body["message"] == "JSON nested deeper than 16 levels is not accepted."
    assert body["localized"]["message"] == "JSON mit mehr als 16 Verschachtelungsebenen wird nicht angenommen."


def test_an_english_visitor_gets_no_localized_member(client):
    body = client.post("/api/status/subscribers", json=BAD, headers={"Accept-Language": "en"}).get_json()
    assert body["message"] == "The subscription was not saved." and "localized" not in body
    assert "localized" not in client.post("/api/status/subscribers", json=BAD).get_json()


def test_http_errors_of_the_api_stay_english_and_are_localized_too(client):
    body = client.get("/api/auth/me", headers=DE).get_json()
    assert body["message"] == "Sign in first."
    assert body["localized"]["message"] == "Bitte melden Sie sich zuerst an."


def test_the_form_without_javascript_shows_the_domain_message_in_german(client):
    page = client.post("/status/subscribe", data={**BAD, "csrf_token": _csrf(client)}, headers=DE)
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert "Geben Sie eine gültige E-Mail-Adresse ein (name@example.com)." in text
    assert "Enter a valid email address" not in text


def _script_words(page: str) -> dict:
    found = re.search(r"<div id=\"page-words\" hidden data-words='([^']*)'", page)
    return json.loads(html.unescape(found.group(1)))


def test_the_scripts_words_follow_each_pages_language(client, user, login):
    """English first, then German, from the same compiled template: nothing is fixed in the first language
    (Jinja folds a constant filter such as `"pending"|t` into the template unless the filter needs a context)."""
    login(user)
    english = _script_words(client.get("/sla-credits", headers={"Accept-Language": "en"}).get_data(as_text=True))
    german = _script_words(client.get("/sla-credits", headers=DE).get_data(as_text=True))
    assert english["statuses"]["pending"] == "pending" and english["no_body"] == "Write a message."
    assert german["statuses"]["pending"] == "ausstehend" and german["no_body"] == "Schreiben Sie eine Nachricht."
    assert german["filed"] == ("Antrag gestellt. Ihre Vorgangsnummer ist %(ticket)s. Wir schreiben Ihnen per "
                               "E-Mail, sobald der Support entschieden hat.")
