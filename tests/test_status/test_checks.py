"""Health checks against real local parts: HTTP servers, a socket that never answers, the test
database, Redis with a real RQ worker registration. Stripe is the one stand-in: pytest-httpserver
plays the Stripe API (the SDK talks real HTTP to it)."""
import time

from werkzeug import Response

from app.status.checks import check_component, overall_of, run_checks


def test_hung_dependency_finishes_within_its_timeout_and_others_report_normally(app, fast_checks, hung_server,
                                                                                    configure):
    # The API check gets 1 s per attempt; the others have 2 s and answer at once.
    configure(API_HEALTH_URL=hung_server.url, STATUS_CHECK_TIMEOUT=2, STATUS_CHECK_TIMEOUTS="api:1")
    started = time.monotonic()
    results = run_checks(app)
    elapsed = time.monotonic() - started

    api = results["api"]
    assert api.status == "down"
    assert "timed out after 1s" in api.error
    assert api.reason == "timeout"
    assert api.attempts == 2 and hung_server.accepted == 2  # one quick retry, then down
    # Its budget: 1 s + 0.1 s pause + 1 s retry (plus slack for a busy machine), never "forever".
    assert 2.0 <= elapsed < 3.5
    # Meanwhile the others were not held up: each answered well inside one hung attempt.
    assert results["frontend"].status == "up" and results["frontend"].latency_ms < 1000
    assert results["database"].status == "up" and results["database"].latency_ms < 1000
    assert results["stripe"].status == "unknown"


def test_slower_than_threshold_is_degraded(app, fast_checks, configure):
    def slow(request):
        time.sleep(0.3)
        return Response('{"ok": true}', content_type="application/json")

    fast_checks.expect_request("/slow-healthz").respond_with_handler(slow)
    configure(API_HEALTH_URL=fast_checks.url_for("/slow-healthz"), STATUS_CHECK_TIMEOUT=2,
              STATUS_LATENCY_THRESHOLDS_MS="api:100")
    result = check_component("api", app)
    assert result.status == "degraded"
    assert result.latency_ms >= 300
    assert "threshold 100 ms" in result.error
    assert result.reason == "slow"
    assert result.attempts == 1


def test_a_single_failure_is_retried_before_calling_it_down(app, fast_checks, configure):
    calls = []

    def flaky(request):
        calls.append(1)
        return Response("boom", status=503) if len(calls) == 1 else Response('{"ok": true}')

    fast_checks.expect_request("/flaky").respond_with_handler(flaky)
    configure(API_HEALTH_URL=fast_checks.url_for("/flaky"))
    result = check_component("api", app)
    assert result.status == "up" and result.attempts == 2 and len(calls) == 2


def test_failing_twice_is_down_with_the_error(app, fast_checks, configure):
    calls = []

    def broken(request):
        calls.append(1)
        return Response("nope", status=500)

    fast_checks.expect_request("/broken").respond_with_handler(broken)
    configure(API_HEALTH_URL=fast_checks.url_for("/broken"))
    result = check_component("api", app)
    assert result.status == "down" and result.attempts == 2 and len(calls) == 2
    assert "HTTP 500" in result.error
    assert result.reason == "http_error"


def test_connection_refused_is_down_with_a_readable_error(app, fast_checks, configure):
    from tests.support.services import free_port

    configure(FRONTEND_HEALTH_URL=f"http://127.0.0.1:{free_port()}/")
    result = check_component("frontend", app)
    assert result.status == "down"
    assert "Connection refused" in result.error and "cannot connect" in result.error
    assert result.reason == "unreachable"


def test_stripe_is_unknown_without_a_key_and_never_counts_in_overall(app, fast_checks):
    result = check_component("stripe", app)
    assert result.status == "unknown" and "STRIPE_API_KEY" in result.error
    assert result.reason == "not_configured"
    assert overall_of(["up", "unknown", "up"]) == "up"
    assert overall_of(["up", "degraded", "unknown"]) == "degraded"
    assert overall_of(["degraded", "down", "up"]) == "down"
    assert overall_of(["unknown"]) == "unknown"


def test_stripe_checked_with_an_authenticated_call(app, fast_checks, configure, httpserver):
    # pytest-httpserver stands in for api.stripe.com; the real stripe SDK sends the request.
    httpserver.expect_request("/v1/balance", method="GET").respond_with_json(
        {"object": "balance", "available": [], "pending": [], "livemode": False})
    configure(STRIPE_API_KEY="sk_test_status", STRIPE_API_BASE=httpserver.url_for("").rstrip("/"))
    result = check_component("stripe", app)
    assert result.status == "up", result.error
    request, _ = httpserver.log[-1]
    assert request.headers["Authorization"] == "Bearer sk_test_status"


def test_stripe_rejecting_the_key_is_down(app, fast_checks, configure, httpserver):
    httpserver.expect_request("/v1/balance").respond_with_json(
        {"error": {"type": "invalid_request_error", "message": "Invalid API Key provided"}}, status=401)
    configure(STRIPE_API_KEY="sk_test_bad", STRIPE_API_BASE=httpserver.url_for("").rstrip("/"))
    result = check_component("stripe", app)
    assert result.status == "down" and "Invalid API Key" in result.error


def test_database_check_uses_its_own_connection(app, fast_checks):
    result = check_component("database", app)
    assert result.status == "up" and result.latency_ms is not None
