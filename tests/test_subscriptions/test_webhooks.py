"""Webhook subscriptions on real parts: a local HTTP receiver verifies each signed delivery; a failing
endpoint is retried with RQ's back-off and then turned off (its contact mailed by aiosmtpd); private
addresses are refused after DNS resolution unless STATUS_WEBHOOK_ALLOW_PRIVATE is set."""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time

import pytest
from sqlalchemy import select
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from app.extensions import db
from app.models import StatusNotification, StatusSubscriber
from app.subscriptions import webhooks
from tests.support.services import mail_parts
from tests.test_subscriptions.conftest import confirm_from_mail, open_incident, payload, update_incident


def verify(secret: str, request: dict, tolerance: int = 300) -> bool:
    """What a receiver does with the Levqor-Signature header (the README documents it)."""
    parts = dict(p.split("=", 1) for p in request["headers"]["Levqor-Signature"].split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + request["body"], hashlib.sha256).hexdigest()
    return abs(time.time() - int(parts["t"])) <= tolerance and hmac.compare_digest(expected, parts["v1"])


def _webhook(client, subscribe, receiver, **extra) -> str:
    """Subscribe the receiver, confirm from the contact's mail; the secret shown once."""
    mail = subscribe(client, email="hooks@example.com", webhook_url=receiver.url, **extra)
    assert receiver.url in mail_parts(mail)[0]
    page = confirm_from_mail(client, mail)
    return re.search(r'id="webhook-secret">(whsec_[A-Za-z0-9+/=]+)<', page).group(1)


def test_signed_deliveries_with_the_incident_its_update_and_components(client, subscribe, receiver, drain_queues):
    secret = _webhook(client, subscribe, receiver)
    item = open_incident("Workflow runs stuck", ["workflows"], "Runs are queued but not starting.")
    drain_queues()
    update_incident(item, "identified", "A worker pool ran out of memory; restarting.")
    drain_queues()
    assert len(receiver.requests) == 2
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 24  # whsec_<base64> (Standard Webhooks)
    for request in receiver.requests:
        assert request["path"] == "/hooks/levqor?team=ops"
        assert verify(secret, request)  # the legacy Levqor-Signature, kept one release
        assert not verify("whsec_wrong", request)
        # Standard Webhooks, verified by the `standardwebhooks` library itself (raises unless it verifies)
        assert Webhook(secret).verify(request["body"], request["headers"]) == payload(request)
        assert request["headers"]["webhook-id"] == payload(request)["meta"]["event_id"]
        with pytest.raises(WebhookVerificationError):
            Webhook("whsec_" + base64.b64encode(b"another subscriber's key!").decode()).verify(
                request["body"], request["headers"])
    first, second = (payload(r) for r in receiver.requests)
    assert first["meta"]["event_type"] == "incident.created" and second["meta"]["event_type"] == "incident.updated"
    assert second["incident"]["name"] == "Workflow runs stuck" and second["incident"]["status"] == "identified"
    assert second["update"]["body"] == "A worker pool ran out of memory; restarting."
    assert [u["status"] for u in second["incident"]["incident_updates"]] == ["identified", "investigating"]
    assert [c["id"] for c in second["incident"]["components"]] == ["workflows"]
    assert receiver.requests[1]["headers"]["Levqor-Event-Id"] == second["meta"]["event_id"]
    tampered = dict(receiver.requests[1], body=receiver.requests[1]["body"].replace(b"restarting", b"all fine"))
    assert not verify(secret, tampered)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(tampered["body"], tampered["headers"])
    sub = db.session.scalars(select(StatusSubscriber)).one()
    assert sub.last_delivery_at is not None and sub.consecutive_failures == 0


def test_the_secret_is_shown_once(client, subscribe, receiver, smtp):
    mail = subscribe(client, email="hooks@example.com", webhook_url=receiver.url)
    confirm_from_mail(client, mail)
    path = re.search(r"http://localhost(/status/subscriptions/confirm/\S+)", mail_parts(mail)[0]).group(1)
    again = client.get(path)  # a second click: "already subscribed", and the secret is not shown again
    assert again.status_code == 200 and "whsec_" not in again.get_data(as_text=True)
    assert "You are already subscribed" in again.get_data(as_text=True)


def test_a_failing_endpoint_is_retried_then_turned_off_and_its_contact_told(
        client, subscribe, receiver, drain_queues, smtp, configure):
    configure(STATUS_WEBHOOK_RETRY_INTERVALS=(0, 0), STATUS_WEBHOOK_DISABLE_AFTER=3)
    _webhook(client, subscribe, receiver)
    smtp.messages.clear()
    receiver.status = 500
    open_incident("Payments down", ["stripe"], "Card payments fail.")
    drain_queues()
    assert len(receiver.requests) == 3  # the first try and the two retries RQ scheduled
    sub = db.session.scalars(select(StatusSubscriber)).one()
    db.session.refresh(sub)
    assert sub.state == "disabled" and sub.consecutive_failures == 3 and sub.last_error == "HTTP 500"
    smtp.wait_for(1)
    told = smtp.messages[0]
    assert told["to"] == ["hooks@example.com"] and "turned off" in told["subject"]
    assert "HTTP 500" in mail_parts(told["message"])[0]
    row = db.session.scalars(select(StatusNotification)).one()
    assert (row.status, row.attempts) == ("failed", 3)

    receiver.status = 204
    open_incident("Next incident", [], "Whole service.")
    drain_queues()
    assert len(receiver.requests) == 3, "a turned-off webhook gets nothing more"


def test_a_retry_after_a_transient_failure_delivers_once(client, subscribe, receiver, drain_queues, configure):
    configure(STATUS_WEBHOOK_RETRY_INTERVALS=(0, 0))
    _webhook(client, subscribe, receiver)
    receiver.status = 503
    calls = []
    original = receiver.server.RequestHandlerClass.do_POST

    def flaky(handler):
        calls.append(1)
        receiver.status = 503 if len(calls) == 1 else 200
        original(handler)

    receiver.server.RequestHandlerClass.do_POST = flaky
    open_incident("Blip", ["api"], "A short blip.")
    drain_queues()
    assert len(receiver.requests) == 2
    sub = db.session.scalars(select(StatusSubscriber)).one()
    db.session.refresh(sub)
    assert sub.state == "active" and sub.consecutive_failures == 0
    assert [(r.status, r.attempts) for r in db.session.scalars(select(StatusNotification))] == [("sent", 2)]


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:9/hook", "http://localhost/hook", "http://[::1]/hook", "http://10.1.2.3/hook",
    "http://192.168.0.10/hook", "http://169.254.169.254/latest/meta-data/", "http://[::ffff:127.0.0.1]/hook",
    "http://0.0.0.0/hook", "http://100.64.0.1/hook", "http://user:pw@example.com/hook",
])
def test_private_and_loopback_addresses_are_refused_unless_allowed(client, configure, url, smtp, drain_queues):
    configure(STATUS_WEBHOOK_ALLOW_PRIVATE=False)
    res = client.post("/api/status/subscribers", json={"email": "x@example.com", "webhook_url": url})
    assert res.status_code == 422, res.get_json()
    assert res.get_json()["error"] == "webhook_url_refused" and "webhook_url" in res.get_json()["fields"]
    drain_queues()
    assert db.session.scalars(select(StatusSubscriber)).all() == [] and smtp.messages == []


def test_the_check_is_after_dns_and_again_at_delivery(client, subscribe, receiver, drain_queues, configure):
    """A public-looking name that resolves to loopback is refused; so is a delivery to a subscription
    whose address turned private after it was confirmed (DNS rebinding)."""
    with pytest.raises(webhooks.Refused):
        webhooks.resolve(receiver.url.replace("127.0.0.1", "localhost"), allow_private=False)
    assert webhooks.resolve("http://93.184.215.14/x", allow_private=False).address == "93.184.215.14"
    configure(STATUS_WEBHOOK_RETRY_INTERVALS=(), STATUS_WEBHOOK_DISABLE_AFTER=5)
    _webhook(client, subscribe, receiver)
    configure(STATUS_WEBHOOK_ALLOW_PRIVATE=False)
    open_incident("Refused at delivery", [], "x")
    drain_queues()
    assert receiver.requests == []
    sub = db.session.scalars(select(StatusSubscriber)).one()
    db.session.refresh(sub)
    assert sub.consecutive_failures == 1 and "Refused" in sub.last_error


def test_maintenance_deliveries_carry_the_scheduled_maintenance(client, subscribe, receiver, drain_queues, admin):
    from datetime import timedelta

    from app.models.types import utcnow
    from app.status import maintenance

    secret = _webhook(client, subscribe, receiver, components=["database"])
    now = utcnow()
    maintenance.schedule({"title": "Storage migration", "message": "Writes pause for a minute.",
                          "components": ["database"], "starts_at": (now + timedelta(hours=1)).isoformat(),
                          "ends_at": (now + timedelta(hours=3)).isoformat()}, admin.id)
    maintenance.schedule({"title": "Frontend deploy", "components": ["frontend"],
                          "starts_at": (now + timedelta(hours=1)).isoformat(),
                          "ends_at": (now + timedelta(hours=2)).isoformat()}, admin.id)
    drain_queues()
    assert len(receiver.requests) == 1, "only the maintenance on a subscribed component is delivered"
    body = payload(receiver.requests[0])
    assert verify(secret, receiver.requests[0]) and body["meta"]["event_type"] == "maintenance.scheduled"
    work = body["scheduled_maintenance"]
    assert work["name"] == "Storage migration" and work["status"] == "scheduled"
    assert [c["id"] for c in work["components"]] == ["database"] and work["scheduled_for"] and work["scheduled_until"]


@pytest.fixture
def tls_receiver(receiver, tmp_path):
    """The receiver behind TLS with a certificate for the name `localhost` (a throwaway self-signed CA)."""
    import ssl
    import subprocess

    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"],
                   check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    receiver.server.socket = context.wrap_socket(receiver.server.socket, server_side=True)
    receiver.url = receiver.url.replace("http://127.0.0.1", "https://localhost")
    receiver.ca = str(cert)
    return receiver


def test_https_is_verified_against_the_host_name_while_connecting_to_the_checked_address(
        client, subscribe, tls_receiver, drain_queues, configure):
    configure(STATUS_WEBHOOK_RETRY_INTERVALS=(), STATUS_WEBHOOK_DISABLE_AFTER=5)
    secret = _webhook(client, subscribe, tls_receiver)
    open_incident("Untrusted certificate", [], "x")
    drain_queues()
    sub = db.session.scalars(select(StatusSubscriber)).one()
    db.session.refresh(sub)
    assert tls_receiver.requests == [] and "SSL" in sub.last_error  # not signed by a root we trust

    configure(STATUS_WEBHOOK_CA_BUNDLE=tls_receiver.ca)  # e.g. a company's private CA
    open_incident("Trusted certificate", [], "y")
    drain_queues()
    assert len(tls_receiver.requests) == 1 and verify(secret, tls_receiver.requests[0])
    assert tls_receiver.requests[0]["headers"]["Host"].startswith("localhost")
