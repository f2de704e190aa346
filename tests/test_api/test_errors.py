"""Every /api/* error is JSON in the SPEC's shape, never an HTML page."""
import pytest

from app.common.errors import Conflict, ValidationFailed


def assert_error_shape(res, status, code=None):
    assert res.status_code == status
    assert res.mimetype == "application/json"
    body = res.get_json()
    assert body["ok"] is False
    assert isinstance(body["error"], str) and body["error"]
    assert isinstance(body["message"], str) and body["message"]
    if code:
        assert body["error"] == code
    return body


def test_unknown_api_path_is_json_404(client):
    assert_error_shape(client.get("/api/anything-unknown"), 404, "not_found")
    assert_error_shape(client.post("/api/anything-unknown"), 404, "not_found")


def test_signed_out_is_json_401(client):
    assert_error_shape(client.get("/api/auth/me"), 401, "unauthorized")


def test_wrong_method_is_json_405(client):
    body = assert_error_shape(client.get("/api/auth/login"), 405, "method_not_allowed")
    assert "message" in body


def test_missing_csrf_is_json_400_and_changes_nothing(client, user, login):
    login(user)
    assert_error_shape(client.post("/api/auth/logout"), 400, "csrf_failed")
    assert client.get("/api/auth/me").status_code == 200


def test_too_large_body_is_json_413(client, app):
    big = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    res = client.post("/api/auth/login", data=big, content_type="application/json")
    assert_error_shape(res, 413, "too_large")


def test_throttle_is_json_429_with_retry_after(client, user):
    for _ in range(11):  # the 11th attempt after 10 failures
        res = client.post("/api/auth/login", json={"email": "user@example.com", "password": "wrong-one"})
    assert_error_shape(res, 429, "rate_limited")
    assert res.headers["Retry-After"]


@pytest.fixture
def error_app(app_config):
    """A separate app with routes that raise the domain errors, to check their rendering."""
    from app import create_app

    config, overrides = app_config
    application = create_app(config, **overrides)

    @application.get("/api/_test/conflict")
    def conflict():
        raise Conflict("The export is not ready.", code="not_ready")

    @application.get("/api/_test/invalid")
    def invalid():
        raise ValidationFailed("Check the fields.", fields={"status": "unknown status"})

    @application.get("/api/_test/crash")
    def crash():
        raise RuntimeError("boom")

    return application


def test_domain_errors_render_as_spec_json(error_app):
    c = error_app.test_client()
    assert_error_shape(c.get("/api/_test/conflict"), 409, "not_ready")
    body = assert_error_shape(c.get("/api/_test/invalid"), 422, "invalid")
    assert body["fields"] == {"status": "unknown status"}


def test_unexpected_errors_are_json_500_without_internals(error_app):
    error_app.config["PROPAGATE_EXCEPTIONS"] = False
    body = assert_error_shape(error_app.test_client().get("/api/_test/crash"), 500, "server_error")
    assert "boom" not in body["message"]


def test_healthz_is_cheap_json(client):
    res = client.get("/healthz")
    assert res.status_code == 200 and res.get_json() == {"ok": True}
