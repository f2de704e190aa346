"""Issue 24, point 6: deliveries signed the Standard Webhooks way, verified by the `standardwebhooks`
library itself on a local receiver (a real HTTP server; the everyday signed deliveries are checked in
test_webhooks.py); older secrets still verify; a subscriber may choose Slack or Teams payloads."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from standardwebhooks import Webhook

from app.extensions import db
from app.models import StatusSubscriber
from app.models.status import COMPONENT_NAMES
from tests.test_subscriptions.conftest import confirm_from_mail, open_incident, update_incident
from tests.test_subscriptions.test_webhooks import _webhook
from tests.test_subscriptions.test_webhooks import verify as verify_legacy


def test_a_secret_issued_before_the_change_verifies_with_the_library_too(
        client, subscribe, receiver, drain_queues):
    _webhook(client, subscribe, receiver)
    old_secret = "whsec_" + "3f9a0c5e7b1d" * 4  # the hex secrets confirmed before this release
    db.session.scalars(select(StatusSubscriber)).one().webhook_secret = old_secret
    db.session.commit()
    open_incident("Login errors", ["api"], "Sign-in fails for some users.")
    drain_queues()
    request = receiver.requests[0]
    assert Webhook(old_secret).verify(request["body"], request["headers"])["incident"]["name"] == "Login errors"
    assert verify_legacy(old_secret, request)


def test_slack_subscribers_get_an_incoming_webhook_message(client, subscribe, receiver, drain_queues):
    secret = _webhook(client, subscribe, receiver, format="slack")
    open_incident("Payments <down> & slow", ["stripe"], "Card payments fail for some customers.")
    drain_queues()
    request = receiver.requests[0]
    message = Webhook(secret).verify(request["body"], request["headers"])
    assert message["text"] == "Investigating: Payments &lt;down&gt; &amp; slow"  # Slack's escaping
    blocks = message["blocks"]
    assert [b["type"] for b in blocks] == ["section", "section", "context"]
    assert "/status/incidents/" in blocks[0]["text"]["text"]
    assert blocks[1]["text"]["text"] == "Card payments fail for some customers."
    assert blocks[2]["elements"][0]["text"] == f"Affected: {COMPONENT_NAMES['stripe']}"
    assert "/status/unsubscribe/" in blocks[2]["elements"][1]["text"]


def test_teams_subscribers_get_a_message_card(client, subscribe, receiver, drain_queues):
    secret = _webhook(client, subscribe, receiver, format="teams")
    item = open_incident("API errors", ["api"], "Errors on the API.")
    drain_queues()
    update_incident(item, "resolved", "Rolled back; errors stopped.")
    drain_queues()
    first, last = (Webhook(secret).verify(r["body"], r["headers"]) for r in receiver.requests)
    assert first["@type"] == "MessageCard" and first["title"] == "Investigating: API errors"
    assert last["title"] == "Resolved: API errors" and last["themeColor"] == "2E7D32"
    assert last["sections"][0]["text"] == "Rolled back; errors stopped."
    uris = [a["targets"][0]["uri"] for a in last["potentialAction"]]
    assert "/status/incidents/" in uris[0] and "/status/unsubscribe/" in uris[1]


@pytest.mark.parametrize("body, field", [
    ({"email": "a@example.com", "format": "slack"}, "format"),  # a format needs a webhook
    ({"email": "a@example.com", "webhook_url": "http://127.0.0.1:9/h", "format": "discord"}, "format"),
])
def test_a_bad_format_is_422_and_saves_nothing(client, body, field):
    res = client.post("/api/status/subscribers", json=body)
    assert res.status_code == 422 and res.get_json()["ok"] is False
    assert field in res.get_json()["fields"]
    assert db.session.scalar(select(func.count(StatusSubscriber.id))) == 0


def test_the_format_applies_only_once_the_link_is_confirmed(client, subscribe, receiver, drain_queues, smtp):
    _webhook(client, subscribe, receiver)  # a Statuspage-format subscription, active
    client.post("/api/status/subscribers", json={"email": "hooks@example.com", "webhook_url": receiver.url,
                                                  "format": "slack"})
    drain_queues()
    assert db.session.scalars(select(StatusSubscriber)).one().webhook_format == "statuspage"  # not yet
    open_incident("Queue delays", ["workflows"], "Runs start late.")
    drain_queues()
    assert "incident" in json.loads(receiver.requests[-1]["body"])
    smtp.wait_for(2)
    confirm_from_mail(client, smtp.messages[-1]["message"])
    db.session.expire_all()
    assert db.session.scalars(select(StatusSubscriber)).one().webhook_format == "slack"
