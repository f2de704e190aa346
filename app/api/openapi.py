"""GET /api/openapi.json (OpenAPI 3.1, built from app/api/openapi_spec.py) and GET /api/docs (Swagger UI,
vendored from npm `swagger-ui-dist` under public/static/vendor/swagger-ui: no CDN, no inline script, so it
runs under the same Content-Security-Policy as every page)."""
from __future__ import annotations

import re

from flask import Blueprint, current_app, jsonify, render_template

from app.api import openapi_spec as spec
from app.api.errors import CODES
from app.extensions import limiter

bp = Blueprint("api_openapi", __name__, url_prefix="/api")
_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
TITLE = "Levqor Trust API"
ID = {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}  # `<int:…>` stops at the id columns' range


def path_of(rule: str) -> str:
    """Flask's `/x/<int:id>` → OpenAPI's `/x/{id}`."""
    return _PARAM.sub(lambda m: "{" + m.group(2) + "}", rule)


def _operation(key: str, entry: dict) -> dict:
    method, rule = key.split(" ", 1)
    params = [{"name": name, "in": "path", "required": True, "schema": ID if conv == "int" else {"type": "string"}}
              for conv, name in _PARAM.findall(rule)]
    params += [{"name": name, "in": "query", "required": False, "schema": schema}
               for name, schema in entry["query"].items()]
    responses = {str(entry["ok_status"]): {"description": "Success", "content": {
        entry["content"]: {"schema": entry["returns"]}}}}
    for status in entry["errors"]:
        responses[str(status)] = {"description": CODES.get(status, "error"),
                                  "content": {"application/json": {"schema": spec.ref("Error")}}}
    operation = {"operationId": f"{method.lower()}{re.sub(r'[^A-Za-z0-9]+', '_', path_of(rule))}".rstrip("_"),
                 "summary": entry["summary"], "tags": [rule.split("/")[2]], "parameters": params,
                 "responses": responses}
    if entry["request"] is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": entry["request"]}}}
    if entry["who"] != "public":
        operation["security"] = [{"session": [], "csrf": []}]
        operation["x-levqor-who"] = entry["who"]
    return method.lower(), operation


def document(operations: dict | None = None) -> dict:
    paths: dict[str, dict] = {}
    for key, entry in sorted((operations or spec.OPERATIONS).items()):
        method, operation = _operation(key, entry)
        paths.setdefault(path_of(key.split(" ", 1)[1]), {})[method] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": TITLE, "version": "1", "description":
                 "Levqor's trust and compliance API. Sign in with POST /api/auth/login; send the session cookie, "
                 "and on every state-changing request the CSRF token it returns in the X-CSRFToken header. "
                 "Errors are always {ok: false, error, message, fields?}."},
        "servers": [{"url": current_app.config.get("PUBLIC_BASE_URL", "/")}],
        "paths": paths,
        "components": {"schemas": spec.SCHEMAS, "securitySchemes": {
            "session": {"type": "apiKey", "in": "cookie", "name": current_app.config.get("SESSION_COOKIE_NAME",
                                                                                          "session")},
            "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRFToken"}}},
    }


@bp.get("/openapi.json")
@limiter.exempt
def openapi_json():
    return jsonify(document())


@bp.get("/docs")
def docs():
    return render_template("api_docs.html", title=TITLE)
