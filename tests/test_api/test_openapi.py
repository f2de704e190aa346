"""GET /api/openapi.json: a valid OpenAPI 3.1 document of every /api/ route, kept beside the code
(app/api/openapi_spec.py) and held to it: a route without an entry fails here. /api/docs renders it with
the vendored Swagger UI under our Content-Security-Policy."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from openapi_spec_validator import validate

from app.api import openapi, openapi_spec

ROOT = Path(__file__).resolve().parents[2]
VENDORED = ROOT / "public" / "static" / "vendor" / "swagger-ui"


def api_rules(app) -> set[str]:
    return {f"{method} {rule.rule}" for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def test_the_document_is_valid_openapi_3_1(client):
    res = client.get("/api/openapi.json")
    assert res.status_code == 200 and res.content_type == "application/json"
    document = res.get_json()
    validate(document)  # openapi-spec-validator: raises on any error
    assert document["openapi"] == "3.1.0"
    login = document["paths"]["/api/auth/login"]["post"]
    assert login["requestBody"]["content"]["application/json"]["schema"]["required"] == ["email", "password"]
    assert login["responses"]["401"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"}
    extend = document["paths"]["/api/admin/dsar/exports/{export_id}/extend"]["post"]
    assert extend["parameters"][0] == {"name": "export_id", "in": "path", "required": True,
                                       "schema": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}}
    assert extend["security"] == [{"session": [], "csrf": []}] and "409" in extend["responses"]


def test_every_api_route_is_in_the_document_and_nothing_else(app):
    documented = set(openapi_spec.OPERATIONS)
    missing = sorted(api_rules(app) - documented)
    assert missing == [], "add an entry to app/api/openapi_spec.py OPERATIONS for: " + ", ".join(missing)
    assert sorted(documented - api_rules(app)) == []


def test_a_new_route_without_an_entry_is_caught(app):
    """The check above on a copy of the URL map with one planted route."""
    from flask import Flask

    planted = Flask("planted")
    planted.url_map = app.url_map.__class__()
    for rule in app.url_map.iter_rules():
        planted.url_map.add(rule.empty())
    planted.add_url_rule("/api/planted/<int:thing_id>", "planted", lambda thing_id: "", methods=["POST"])
    assert api_rules(planted) - set(openapi_spec.OPERATIONS) == {"POST /api/planted/<int:thing_id>"}
    assert openapi.path_of("/api/planted/<int:thing_id>") == "/api/planted/{thing_id}"


def test_the_vendored_renderer_is_the_pinned_npm_package():
    pinned = json.loads((ROOT / "package.json").read_text())["devDependencies"]["swagger-ui-dist"]
    installed = ROOT / "node_modules" / "swagger-ui-dist"
    assert json.loads((installed / "package.json").read_text())["version"] == pinned
    for name in ("swagger-ui-bundle.js", "swagger-ui.css"):
        assert (VENDORED / name).read_bytes() == (installed / name).read_bytes(), f"{name}: run the copy step"


@pytest.mark.browser
def test_the_docs_page_renders_every_operation_under_our_csp(live_server, page):
    problems = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    response = page.goto(f"{live_server}/api/docs")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector(".opblock-summary", timeout=20000)
    assert page.locator(".opblock").count() == len(openapi_spec.OPERATIONS)
    assert page.locator(".info .title").inner_text().startswith(openapi.TITLE)
    page.locator(".opblock-summary", has_text="/api/auth/login").first.click()
    assert page.locator(".opblock-body").first.is_visible()
    assert problems == [], problems
