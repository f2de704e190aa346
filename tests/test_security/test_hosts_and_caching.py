"""A foreign Host header gets 400 (never reflected into a redirect), and what a signed-in person is
shown is never stored by a browser or proxy cache (Cache-Control: no-store)."""
from __future__ import annotations

import pytest

from app.dsar import exports
from app.extensions import db
from app.models import DsarExport


@pytest.mark.parametrize("path", ["/admin/rq", "/admin/rq/0/", "/signin", "/api/status"])
def test_a_foreign_host_is_refused_and_never_reflected(client, admin, login, path):
    login(admin)
    res = client.get(path, headers={"Host": "evil.example"})
    assert res.status_code == 400 and "Location" not in res.headers
    assert "frame-ancestors 'none'" in res.headers["Content-Security-Policy"]


def test_an_api_client_with_a_foreign_host_gets_the_json_error(client):
    res = client.get("/api/status", headers={"Host": "evil.example"})
    assert res.status_code == 400
    assert res.get_json()["ok"] is False and res.get_json()["error"] == "bad_request"


def test_our_own_host_and_loopback_are_served(client, app):
    assert client.get("/api/status").status_code == 200
    assert client.get("/api/status", headers={"Host": "127.0.0.1:5000"}).status_code == 200


def test_signed_in_responses_are_not_stored(client, user, login):
    login(user)
    export = DsarExport(user_id=user.id, status="ready", storage_key="x/none.zip")
    db.session.add(export)
    db.session.commit()
    for path in ("/data-requests", "/api/dsar/exports", "/sla-credits", "/api/auth/me", "/"):
        res = client.get(path)
        assert res.status_code == 200, path
        assert res.headers["Cache-Control"] == "no-store", path
    link = client.get(exports.download_url(export).removeprefix("http://localhost"))
    assert link.status_code in (302, 303, 200, 404, 410)
    assert link.headers["Cache-Control"] == "no-store"


def test_anonymous_pages_and_static_files_stay_cacheable(client, user, login):
    assert "no-store" not in client.get("/status").headers.get("Cache-Control", "")
    login(user)
    assert "no-store" not in client.get("/static/app.css").headers.get("Cache-Control", "")
