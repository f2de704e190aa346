"""LOG_FORMAT=json in one process: the line a log call becomes, redacted by the redactor's rule, with the
request it belongs to; plain text stays the default."""
from __future__ import annotations

import io
import json
import logging

import pytest

from app.common import jsonlog


@pytest.fixture
def json_stream():
    """A JSON handler on the root logger for this test (what configure("json") puts on every handler)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(jsonlog.JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    saved, level = jsonlog._state["json"], root.level
    jsonlog._state["json"] = True
    root.setLevel(logging.INFO)  # as in production (create_app's basicConfig; under pytest root has handlers)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    jsonlog._state["json"] = saved
    root.setLevel(level)
    root.removeHandler(handler)


def test_tokens_and_secrets_are_redacted_in_messages_fields_and_tracebacks(json_stream):
    log = logging.getLogger("levqor.test")
    log.warning("calling Stripe with Authorization: Bearer sk_live_abcdefghijklmnop and password=hunter22")
    log.info("webhook", extra={"secret_value": "whsec_abcdefghijklmnopqrstu", "api_key": "k-123", "count": 3})
    try:
        raise RuntimeError("connect to postgresql://levqor:s3cretpw@db:5432/levqor failed")
    except RuntimeError:
        log.exception("database unreachable")
    first, second, third = json_stream()
    text = json.dumps([first, second, third])
    for secret in ("sk_live_abcdefghijklmnop", "hunter22", "whsec_abcdefghijklmnopqrstu", "k-123", "s3cretpw"):
        assert secret not in text
    assert first["level"] == "warning" and first["logger"] == "levqor.test" and "[redacted]" in first["message"]
    assert second["count"] == 3 and second["api_key"] == "[redacted]"
    assert "RuntimeError" in third["exception"] and "postgresql://levqor:[redacted]@db" in third["exception"]


def test_a_request_line_carries_route_status_user_and_the_request_id(app, client, user, login, json_stream):
    login(user)
    res = client.get("/api/auth/me", headers={"X-Request-ID": "req-abc-123"})
    assert res.headers["X-Request-ID"] == "req-abc-123"
    lines = [line for line in json_stream() if line["logger"] == "levqor.request"]
    assert lines[-1] == {**lines[-1], "request_id": "req-abc-123", "route": "/api/auth/me", "status": 200,
                         "method": "GET", "user_id": user.id, "level": "info"}
    assert lines[-1]["duration_ms"] >= 0


def test_a_log_call_inside_a_request_carries_its_request_id(app, json_stream):
    with app.test_request_context("/x", headers={"X-Request-ID": "inner-42"}):
        token = jsonlog.bind(request_id=jsonlog.request_id("inner-42"))
        logging.getLogger("app.somewhere").warning("storage slow")
        jsonlog.CONTEXT.reset(token)
    logging.getLogger("app.somewhere").warning("outside")
    inside, outside = json_stream()
    assert inside["request_id"] == "inner-42"
    assert "request_id" not in outside


def test_plain_text_is_the_default(app):
    assert app.config["LOG_FORMAT"] == "text"
    assert not any(isinstance(h.formatter, jsonlog.JsonFormatter) for h in logging.getLogger().handlers)
