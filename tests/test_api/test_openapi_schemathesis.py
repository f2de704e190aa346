"""schemathesis against a live server (werkzeug, threaded, on the test database): every operation of
/api/openapi.json, called as the caller it is meant for — public ones without a session, user routes signed
in as a user, staff routes as staff (with the CSRF token) — must never answer 5xx, and every answer must
have a documented status and match its schema. A few examples per operation keep it to about a minute."""
from __future__ import annotations

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from app.api import openapi, openapi_spec

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
pytestmark = [pytest.mark.committed]
EXAMPLES = 3  # per operation: ~40 operations in a minute or two


@pytest.fixture
def api_schema(app):
    from app.api import openapi

    with app.test_request_context():
        return schemathesis.openapi.from_dict(openapi.document())


def _session(base: str, email: str | None, password: str | None) -> tuple[requests.Session, dict]:
    http = requests.Session()
    if email is None:
        return http, {}
    res = http.post(f"{base}/api/auth/login", json={"email": email, "password": password}, timeout=10)
    assert res.status_code == 200, res.text
    return http, {"X-CSRFToken": res.json()["csrf_token"]}


CALLERS = {"public": (None, None), "user": ("fuzz-user@example.com", "fuzz-user-password"),
           "staff": ("fuzz-staff@example.com", "fuzz-staff-password")}


@pytest.mark.parametrize("key", sorted(openapi_spec.OPERATIONS))
def test_every_operation_answers_as_documented(key, api_schema, live_server, make_user):
    method, rule = key.split(" ", 1)
    operation = api_schema[openapi.path_of(rule)][method]
    who = openapi_spec.OPERATIONS[key]["who"]
    email, password = CALLERS[who]
    if email:
        make_user(email, password, is_admin=who == "staff")
    http, headers = _session(live_server, email, password)
    statuses = []
    if rule == "/api/auth/logout":
        http = requests.Session()  # the other examples keep their signed-in session

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def call(case):
        response = case.call_and_validate(base_url=live_server, session=http, headers=headers, checks=CHECKS,
                                          timeout=20)
        statuses.append(response.status_code)

    call()
    if who != "public" and rule != "/api/auth/logout":  # the caller really got past the sign-in check
        assert set(statuses) - {401, 403}, statuses
