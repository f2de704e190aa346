"""Status subscriptions: a local webhook receiver (a real HTTP server on 127.0.0.1), and helpers that
walk the double opt-in the way a person does, from the mail aiosmtpd received."""
from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.extensions import db
from app.models import Incident
from app.status import incidents
from tests.support.services import mail_parts


class Receiver:
    """Records every POST; answers `status` (settable) to each."""

    def __init__(self):
        self.requests: list[dict] = []
        self.status = 204
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                outer.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                self.send_response(outer.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/levqor?team=ops"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.server.shutdown()


def link_in(message, pattern: str) -> str:
    text, _ = mail_parts(message)
    return re.search(pattern + r"[^\s]+", text).group(0)


def csrf_from(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def confirm_from_mail(client, message) -> str:
    """Open the confirmation link, press the button; returns the confirmed page's HTML."""
    url = link_in(message, r"http://localhost/status/subscriptions/confirm/")
    path = url.removeprefix("http://localhost")
    page = client.get(path)
    assert page.status_code == 200 and "Confirm subscription" in page.get_data(as_text=True)
    done = client.post(path, data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert done.status_code == 200, done.get_data(as_text=True)[:500]
    return done.get_data(as_text=True)


@pytest.fixture
def subscribe(app, smtp, drain_queues):
    """subscribe(client, email=…, …) → the confirmation mail aiosmtpd received."""

    def do(client, **body):
        before = len(smtp.messages)
        res = client.post("/api/status/subscribers", json=body)
        assert res.status_code == 202, res.get_json()
        drain_queues()
        smtp.wait_for(before + 1)
        return smtp.messages[-1]["message"]

    return do


def open_incident(title: str, components: list[str], message: str, status: str = "investigating") -> Incident:
    item = Incident(title=title, status=status, impact="major", components=components, message=message)
    db.session.add(item)
    incidents.apply_change(item, True, None)
    db.session.commit()
    incidents.after_change(item)
    return item


def update_incident(item: Incident, status: str, message: str) -> None:
    item.status, item.message = status, message
    incidents.apply_change(item, False, None)
    db.session.commit()
    incidents.after_change(item)


def payload(request: dict) -> dict:
    return json.loads(request["body"])
