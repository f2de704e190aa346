"""The bad hour (issue 24): a webhook endpoint that answers in 20 s during a fan-out does not hold up
the other subscribers. Real parts: webhook receivers on 127.0.0.1 (one sleeps 20 s before it answers),
aiosmtpd, PostgreSQL and the queue's own worker loop; the deliveries' arrival times are measured."""
from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Incident, StatusNotification, StatusSubscriber
from app.models.types import utcnow
from app.status import incidents
from app.subscriptions import webhooks

SLOW_SECONDS = 20


class TimedReceiver:
    """Answers 204 to every POST after `delay` seconds; records when each request arrived."""

    def __init__(self, delay: float = 0.0):
        self.arrivals: list[float] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                outer.arrivals.append(time.monotonic())
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                time.sleep(delay)
                try:
                    self.send_response(204)
                    self.end_headers()
                except OSError:
                    pass  # the sender gave up waiting

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture
def receivers():
    made = {"slow": TimedReceiver(delay=SLOW_SECONDS), "a": TimedReceiver(), "b": TimedReceiver()}
    yield made
    for r in made.values():
        r.close()


def _hook(email: str, url: str) -> StatusSubscriber:
    return StatusSubscriber(email=email, webhook_url=url, webhook_secret=webhooks.new_secret(), components=[],
                            confirmed_at=utcnow())


def _announce(title: str) -> float:
    item = Incident(title=title, status="investigating", impact="major", components=[], message="Looking into it.")
    db.session.add(item)
    incidents.apply_change(item, True, None)
    db.session.commit()
    started = time.monotonic()
    incidents.after_change(item)
    return started


def test_a_webhook_answering_in_20_s_does_not_hold_up_the_others(app, configure, receivers, smtp, drain_queues):
    configure(STATUS_WEBHOOK_ALLOW_PRIVATE=True)
    budget = app.config["STATUS_WEBHOOK_TIMEOUT"]
    # The slow endpoint subscribed first: first in line among the webhooks.
    db.session.add_all([_hook("slow@example.com", receivers["slow"].url), _hook("a@example.com", receivers["a"].url),
                        _hook("b@example.com", receivers["b"].url),
                        StatusSubscriber(email="reader@example.com", components=[], confirmed_at=utcnow())])
    db.session.commit()

    started = _announce("API errors")
    drain_queues()
    finished = time.monotonic() - started
    [mail] = smtp.wait_for(1)
    assert mail["to"] == ["reader@example.com"]
    waits = {name: r.arrivals[0] - started for name, r in receivers.items()}
    # Every other subscriber had it long before the slow endpoint would have answered: at most one
    # delivery budget later than with no slow endpoint at all.
    assert waits["a"] < budget + 3 and waits["b"] < budget + 3, waits
    assert finished < SLOW_SECONDS, finished  # the worker never waited the 20 s out
    slow_id = db.session.scalar(select(StatusSubscriber.id).where(StatusSubscriber.email == "slow@example.com"))
    states = {r.subscriber_id: (r.status, r.last_error) for r in db.session.scalars(select(StatusNotification))}
    assert states[slow_id][0] == "failed" and "timed out" in states[slow_id][1].lower()  # retried later
    assert sorted(s for s, _ in states.values()).count("sent") == 3

    # Next announcement: the endpoint that failed last time goes behind the ones that answered.
    for r in receivers.values():
        r.arrivals.clear()
    started = _announce("API errors again")
    drain_queues()
    assert receivers["a"].arrivals[0] - started < 3 and receivers["b"].arrivals[0] - started < 3
    assert receivers["slow"].arrivals[0] > max(receivers["a"].arrivals[0], receivers["b"].arrivals[0])
    print(f"\nslow webhook: others waited {waits['a']:.1f}s/{waits['b']:.1f}s; fan-out drained in {finished:.1f}s")
