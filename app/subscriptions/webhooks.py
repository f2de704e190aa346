"""Outgoing webhooks: refusing addresses inside our network, signing, and one delivery attempt.

A URL is checked after DNS resolution (a public name can point at 127.0.0.1 or at a cloud metadata
address), at subscription and again at every delivery; the request then goes to the address that was
checked (TLS still verified against the name), so the answer cannot change between check and connect
(DNS rebinding). Redirects are not followed: a 3xx is a failed delivery.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import certifi
import urllib3

from app.common import netcheck
from app.common.errors import ValidationFailed

MAX_URL = 2048
TIMEOUT = 5.0  # seconds for one delivery, connect to last byte (STATUS_WEBHOOK_TIMEOUT): then it failed
USER_AGENT = "Levqor-Status-Webhooks/1.0"


class Refused(ValidationFailed):
    code = "webhook_url_refused"


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    address: str  # the resolved IP the request goes to
    path: str


def _fail(message: str):
    raise Refused(message, fields={"webhook_url": message})


def resolve(url: str, allow_private: bool) -> Target:
    """The checked target of `url`, or Refused (422) saying why."""
    if not isinstance(url, str) or not url.strip() or len(url) > MAX_URL:
        _fail(f"Give an http(s) URL of at most {MAX_URL} characters.")
    parts = urlsplit(url.strip())
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        _fail("The URL's port is not a number from 1 to 65535.")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        _fail("Only http:// and https:// URLs with a host name are accepted.")
    if parts.username is not None or parts.password is not None:
        _fail("Put no user name or password in the URL; verify our signature instead.")
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        _fail(f"The host {parts.hostname} does not resolve.")
    addresses = [info[4][0] for info in infos]
    if not allow_private:
        for address in addresses:
            why = netcheck.refusal(address)
            if why:
                _fail(f"{parts.hostname} resolves to {why}; webhooks go to public addresses only.")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, parts.hostname, port, addresses[0], path)


def new_secret() -> str:
    """A Standard Webhooks signing secret: `whsec_` and the base64 of 24 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The legacy `Levqor-Signature`, kept one release for receivers that verify it:
    `t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">` keyed with the secret's text as it is."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def standard_signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """Standard Webhooks: `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, keyed with the
    base64-decoded part after `whsec_` (read the way the `standardwebhooks` libraries read it, so
    secrets issued before this change, hex text, verify there too)."""
    key = base64.b64decode(secret.removeprefix("whsec_") + "==")
    mac = hmac.new(key, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def signed_headers(secret: str, message_id: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """The `webhook-id`, `webhook-timestamp`, `webhook-signature` headers, and the legacy one."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {"webhook-id": message_id, "webhook-timestamp": str(timestamp),
            "webhook-signature": standard_signature(secret, message_id, timestamp, body),
            "Levqor-Event-Id": message_id, "Levqor-Signature": signature(secret, timestamp, body)}


def post(target: Target, body: bytes, secret: str, event_id: str, ca_bundle: str | None = None,
         timeout: float = TIMEOUT) -> int:
    """POST once to the checked address; the HTTP status (raises urllib3's errors on no answer). TLS is
    verified against the URL's host name (certifi's roots, or `ca_bundle`). `timeout` bounds the whole
    exchange (urllib3's `total`), so an endpoint that answers slowly, or trickles its answer, holds the
    worker for that long at most and waits for its retry behind everyone else."""
    budget = urllib3.Timeout(total=timeout)
    headers = {"Host": target.host if target.port in (80, 443) else f"{target.host}:{target.port}",
               "Content-Type": "application/json", "User-Agent": USER_AGENT, **signed_headers(secret, event_id, body)}
    if target.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(target.address, target.port, server_hostname=target.host,
                                           assert_hostname=target.host, cert_reqs="CERT_REQUIRED",
                                           ca_certs=ca_bundle or certifi.where(), timeout=budget, retries=False)
    else:
        pool = urllib3.HTTPConnectionPool(target.address, target.port, timeout=budget, retries=False)
    with pool:
        response = pool.urlopen("POST", target.path, body=body, headers=headers, redirect=False,
                                preload_content=False)
        response.drain_conn()
        return response.status
