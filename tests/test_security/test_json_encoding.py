"""JSON bodies are UTF-8 only (RFC 8259): UTF-16/32 bodies, which once slipped past the depth limit,
get a 400 JSON error before parsing and change nothing."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import StatusSubscriber

DEEP = "[" * 40 + "]" * 40
BODY = '{"email": "utf16@example.com", "components": ' + DEEP + "}"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le"])
def test_non_utf8_json_is_refused_before_parsing(client, encoding):
    res = client.post("/api/status/subscribers", data=BODY.encode(encoding), content_type="application/json")
    assert res.status_code == 400
    body = res.get_json()
    assert body["ok"] is False and body["error"] == "malformed_json" and "UTF-8" in body["message"]
    assert db.session.scalar(select(func.count()).select_from(StatusSubscriber)) == 0


def test_utf8_json_still_works_and_deep_utf8_is_still_too_deep(client):
    res = client.post("/api/status/subscribers", data=BODY.encode(), content_type="application/json")
    assert res.status_code == 400 and res.get_json()["error"] == "too_deep"
    ok = client.post("/api/status/subscribers", json={"email": "caf\u00e9@example.com"})
    assert ok.status_code in (202, 422)  # decoded as UTF-8: an answer about the address, not the encoding
    assert ok.get_json().get("error") != "malformed_json"
