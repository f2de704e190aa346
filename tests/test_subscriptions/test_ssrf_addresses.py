"""The webhook SSRF rule, address by address: IPv6 forms that carry an internal IPv4 address (NAT64,
6to4, IPv4-compatible/-mapped, Teredo) are refused like the IPv4 address itself, at subscription and at
delivery; public addresses in any of those forms still pass."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.common import netcheck
from app.extensions import db
from app.models import StatusSubscriber
from app.subscriptions import webhooks
from tests.test_subscriptions.conftest import confirm_from_mail, open_incident

REFUSED = [
    # IPv4: loopback, private, CGNAT, link-local/metadata, this-network, documentation, benchmarking,
    # reserved, broadcast, multicast, IETF, 6to4 relay anycast
    "127.0.0.1", "127.8.9.10", "10.0.0.1", "172.16.5.4", "192.168.1.1", "100.64.0.1", "169.254.169.254",
    "0.0.0.0", "0.1.2.3", "192.0.2.10", "198.51.100.7", "203.0.113.9", "198.18.0.1", "240.0.0.1",
    "255.255.255.255", "224.0.0.1", "239.1.2.3", "192.0.0.8", "192.88.99.1",
    # IPv6 proper: loopback, unspecified, ULA, link-local, site-local, multicast, documentation, discard,
    # SRv6, reserved outside 2000::/3, ORCHIDv2, benchmarking
    "::1", "::", "fc00::1", "fd12:3456::1", "fe80::1", "fe80::1%2", "fec0::1", "ff02::1", "ff0e::1",
    "2001:db8::1", "3fff::1", "100::1", "5f00::1", "4000::1", "2001:20::1", "2001:2::1",
    # IPv6 carrying internal IPv4: mapped, compatible, 6to4, NAT64 well-known, NAT64 local use, Teredo
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::127.0.0.1", "::169.254.169.254", "::a00:1",
    "2002:7f00:1::", "2002:a00:1::1", "2002:a9fe:a9fe::", "64:ff9b::7f00:1", "64:ff9b::a00:1",
    "64:ff9b::a9fe:a9fe", "64:ff9b::c0a8:101", "64:ff9b::6440:1", "64:ff9b:1::a00:1", "64:ff9b:1::5db8:d70e",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2", "2001::1",
]
ALLOWED = [
    "93.184.215.14", "8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "2a00:1450:4001:82b::200e",
    "::ffff:93.184.215.14", "64:ff9b::5db8:d70e", "2002:5db8:d70e::1",
]


@pytest.mark.parametrize("address", REFUSED)
def test_internal_addresses_in_every_form_are_refused(address):
    assert netcheck.refusal(address), f"{address} passed as public"


@pytest.mark.parametrize("address", ALLOWED)
def test_public_addresses_pass_in_every_form(address):
    assert netcheck.refusal(address) is None


@pytest.mark.parametrize("host", [
    "[64:ff9b::7f00:1]", "[::127.0.0.1]", "[2002:7f00:1::]", "[64:ff9b::a00:1]", "[64:ff9b:1::a00:1]",
    "[64:ff9b::a9fe:a9fe]", "[::169.254.169.254]",
])
def test_subscribing_a_webhook_to_an_embedded_internal_address_is_refused(client, configure, smtp, host):
    configure(STATUS_WEBHOOK_ALLOW_PRIVATE=False)
    res = client.post("/api/status/subscribers",
                      json={"email": "x@example.com", "webhook_url": f"http://{host}:8080/latest/meta-data/"})
    body = res.get_json()
    assert res.status_code == 422, body
    assert body["ok"] is False and body["error"] == "webhook_url_refused" and "webhook_url" in body["fields"]
    assert db.session.scalars(select(StatusSubscriber)).all() == [] and smtp.messages == []


def test_a_confirmed_webhook_whose_url_now_carries_an_internal_address_is_refused_at_delivery(
        client, subscribe, receiver, drain_queues, configure):
    configure(STATUS_WEBHOOK_RETRY_INTERVALS=(), STATUS_WEBHOOK_DISABLE_AFTER=5)
    confirm_from_mail(client, subscribe(client, email="ops@example.com", webhook_url=receiver.url))
    sub = db.session.scalars(select(StatusSubscriber)).one()
    sub.webhook_url = "http://[64:ff9b::7f00:1]/latest/meta-data/"
    db.session.commit()
    configure(STATUS_WEBHOOK_ALLOW_PRIVATE=False)
    open_incident("Refused at delivery", [], "x")
    drain_queues()
    db.session.refresh(sub)
    assert receiver.requests == []
    assert sub.consecutive_failures == 1 and "Refused" in sub.last_error and "127.0.0.1" in sub.last_error


def test_resolve_reports_the_embedded_address():
    with pytest.raises(webhooks.Refused, match="127.0.0.1"):
        webhooks.resolve("http://[::ffff:7f00:1]/", allow_private=False)
