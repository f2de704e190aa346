"""Attacks replayed against the real stack: gunicorn (two worker processes) on PostgreSQL + Redis, the
production Config and its default limits (10 failures per account, 30 per address, in 15 minutes)."""
import re

import pytest

from app.models import AuditLog

pytestmark = [pytest.mark.server_only, pytest.mark.committed]


def _login(http, url, email, password, forwarded_for=None):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return http.post(f"{url}/api/auth/login", json={"email": email, "password": password}, headers=headers,
                     timeout=10)


def test_forged_forwarded_for_does_not_bypass_the_account_throttle(gunicorn_server, make_user):
    make_user("victim@example.com", "victim-password")
    http, url = gunicorn_server.session(), gunicorn_server.url
    codes = [_login(http, url, "Victim@Example.com ", "guess", forwarded_for=f"203.0.113.{i}").status_code
             for i in range(30)]
    assert codes[:10] == [401] * 10 and set(codes[10:]) == {429}
    right = _login(http, url, "victim@example.com", "victim-password", forwarded_for="198.51.100.7")
    assert right.status_code == 429
    assert right.json()["error"] == "rate_limited"
    assert 0 < int(right.headers["Retry-After"]) <= 900
    failed = AuditLog.query.filter_by(action="auth.failed").all()
    assert len(failed) == 10  # throttled attempts never reach the password check
    assert {row.ip for row in failed} == {"127.0.0.1"}  # the forged header is not the address
    assert {row.details["email"] for row in failed} == {"victim@example.com"}


def test_colleagues_behind_one_address_all_sign_in(gunicorn_server, make_user):
    """Twelve successful sign-ins from one address within a minute: none is throttled."""
    for i in range(12):
        make_user(f"colleague{i}@example.com", "colleague-password")
    url = gunicorn_server.url
    codes = [_login(gunicorn_server.session(), url, f"colleague{i}@example.com", "colleague-password").status_code
             for i in range(12)]
    assert codes == [200] * 12


def test_a_successful_sign_in_clears_the_account_counter(gunicorn_server, make_user):
    make_user("forgetful@example.com", "forgetful-password")
    http, url = gunicorn_server.session(), gunicorn_server.url
    for _round in range(2):
        assert [_login(http, url, "forgetful@example.com", "typo").status_code for _ in range(9)] == [401] * 9
        assert _login(http, url, "forgetful@example.com", "forgetful-password").status_code == 200


def test_one_address_guessing_many_accounts_is_throttled(gunicorn_server, make_user):
    make_user("target@example.com", "target-password")
    http, url = gunicorn_server.session(), gunicorn_server.url
    codes = [_login(http, url, f"nobody{i}@example.com", "guess").status_code for i in range(30)]
    assert codes == [401] * 30
    refused = _login(http, url, "target@example.com", "target-password")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0


def test_a_cookie_copied_before_logout_opens_nothing_afterwards(gunicorn_server, make_user):
    make_user("leaver@example.com", "leaver-password")
    http, url = gunicorn_server.session(), gunicorn_server.url
    token = _login(http, url, "leaver@example.com", "leaver-password").json()["csrf_token"]
    stolen = http.cookies.get("session")
    assert http.get(f"{url}/api/auth/me", timeout=10).status_code == 200
    assert http.post(f"{url}/api/auth/logout", headers={"X-CSRFToken": token}, timeout=10).status_code == 200
    replay = gunicorn_server.session()
    replay.cookies.set("session", stolen)
    res = replay.get(f"{url}/api/auth/me", timeout=10)
    assert res.status_code == 401 and res.json()["error"] == "unauthorized"


def test_download_token_stays_out_of_logs_and_the_signin_redirect(gunicorn_server):
    token = "SECRET-DOWNLOAD-TOKEN-d41d8cd9"
    res = gunicorn_server.session().get(f"{gunicorn_server.url}/data-requests/download/{token}",
                                        allow_redirects=False, timeout=10)
    assert res.status_code == 302
    assert res.headers["Location"].endswith("/signin?next=/data-requests/download/continue")
    log = gunicorn_server.log_text()
    assert "/data-requests/download/[redacted]" in log
    assert token not in log


def test_every_response_carries_the_security_headers(gunicorn_server):
    for path in ("/signin", "/api/status", "/static/app.js", "/no-such-page"):
        headers = gunicorn_server.session().get(f"{gunicorn_server.url}{path}", timeout=10).headers
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"], path
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["X-Content-Type-Options"] == "nosniff"


def _signin_form(http, url, next_raw=""):
    page = http.get(f"{url}/signin?next={next_raw}", timeout=10)
    assert page.status_code == 200
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
    hidden = re.search(r'id="next" name="next" type="hidden" value="([^"]*)"', page.text).group(1)
    return token, hidden


def test_signin_next_with_a_tab_or_newline_stays_on_site(gunicorn_server, make_user):
    make_user("wanderer@example.com", "wanderer-password")
    url = gunicorn_server.url
    form = {"email": "wanderer@example.com", "password": "wanderer-password"}
    for raw in ("/%09/evil.example", "/%0A/evil.example", "/%5C/evil.example"):
        http = gunicorn_server.session()
        token, hidden = _signin_form(http, url, raw)
        res = http.post(f"{url}/signin", data={**form, "next": hidden, "csrf_token": token},
                        allow_redirects=False, timeout=10)
        assert res.status_code == 302 and res.headers["Location"] in ("/", f"{url}/"), raw
    http = gunicorn_server.session()
    token, _ = _signin_form(http, url)
    newline = http.post(f"{url}/signin", data={**form, "next": "/\n/evil.example", "csrf_token": token},
                        allow_redirects=False, timeout=10)
    assert newline.status_code == 302 and newline.headers["Location"] in ("/", f"{url}/")


def test_a_cross_site_post_cannot_empty_a_queue_registry(gunicorn_server, make_user, app):
    from rq import Queue, SimpleWorker
    from rq.registry import FinishedJobRegistry

    make_user("ops@example.com", "ops-password", is_admin=True)
    queue = Queue("default", connection=app.redis_conn)
    job = queue.enqueue("builtins.len", [1, 2, 3])
    SimpleWorker([queue], connection=app.redis_conn).work(burst=True)
    finished = FinishedJobRegistry(queue=queue)
    assert finished.get_job_ids() == [job.id]
    http, url = gunicorn_server.session(), gunicorn_server.url
    assert _login(http, url, "ops@example.com", "ops-password").status_code == 200
    empty = f"{url}/admin/rq/queue/default/finished/empty"
    assert http.post(empty, headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
                     timeout=10).status_code == 403
    assert http.get(f"{url}/admin/rq/requeue/default", timeout=10).status_code == 405
    assert finished.get_job_ids() == [job.id]
    assert http.post(empty, headers={"Origin": url, "Sec-Fetch-Site": "same-origin"}, timeout=10).status_code == 200
    assert finished.get_job_ids() == []
    assert AuditLog.query.filter_by(action="rq.registry_emptied").count() == 1


def test_confirmation_and_unsubscribe_tokens_stay_out_of_the_access_log(gunicorn_server, app):
    """Whoever reads the log must not be able to confirm a pending webhook first (and see its secret)."""
    from app.extensions import db
    from app.models import StatusSubscriber
    from app.subscriptions import subscribers

    sub = StatusSubscriber(email="hook-owner@example.com", webhook_url="https://hooks.example.com/x",
                           confirm_token="1" * 32)
    db.session.add(sub)
    db.session.commit()
    base = app.config["PUBLIC_BASE_URL"]
    links = [subscribers.confirm_url(sub, []), subscribers.unsubscribe_url(sub)]
    for link in links:
        res = gunicorn_server.session().get(gunicorn_server.url + link.removeprefix(base), timeout=10)
        assert res.status_code == 200, link
    log = gunicorn_server.log_text()
    assert "/status/subscriptions/confirm/[redacted]" in log and "/status/unsubscribe/[redacted]" in log
    for link in links:
        assert link.rsplit("/", 1)[1] not in log
