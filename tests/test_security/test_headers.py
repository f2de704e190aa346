"""Security headers on every response, and no page that needs inline script."""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = [ROOT / "public" / "templates", ROOT / "admin_views" / "templates"]  # the served pages


@pytest.mark.parametrize("path", ["/", "/signin", "/pricing", "/status", "/api/status", "/api/auth/me",
                                  "/healthz", "/static/app.css", "/no-such-page", "/api/no-such-thing"])
def test_every_response_carries_the_security_headers(client, path):
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
    script_src = re.search(r"script-src ([^;]+)", csp).group(1)
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in headers  # the base URL is http here


def test_hsts_when_the_base_url_is_https(app, client):
    saved = app.config["PUBLIC_BASE_URL"]
    app.config["PUBLIC_BASE_URL"] = "https://trust.levqor.example"
    try:
        headers = client.get("/signin").headers
    finally:
        app.config["PUBLIC_BASE_URL"] = saved
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_admin_inline_scripts_run_only_with_this_responses_nonce(client, admin, login):
    login(admin)
    res = client.get("/admin/rq/")  # rq-dashboard's page has one inline script
    nonce = re.search(r"'nonce-([^']+)'", res.headers["Content-Security-Policy"]).group(1)
    html = res.get_data(as_text=True)
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert inline and all(f'nonce="{nonce}"' in attrs or "text/template" in attrs for attrs in inline)
    again = client.get("/admin/rq/").headers["Content-Security-Policy"]
    assert f"'nonce-{nonce}'" not in again


def test_no_template_of_ours_has_inline_script_or_event_handlers():
    """Mail and archive templates (app/templates) are not served as pages, so only these are checked."""
    offenders = []
    for path in (p for folder in TEMPLATES for p in folder.rglob("*.html")):
        text = path.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and "nonce=" not in tag and "text/template" not in tag:
                offenders.append(f"{path.name}: {tag}")
        offenders += [f"{path.name}: {m}" for m in re.findall(r"\son[a-z]+=", text)]
        offenders += [f"{path.name}: javascript: URL" for _ in re.findall(r"href=\"javascript:", text)]
    assert offenders == []


def test_only_the_queue_dashboard_may_evaluate_strings_as_script(client, admin, login):
    """rq-dashboard's underscore templates need 'unsafe-eval'; the rest of the console does not get it."""
    login(admin)
    def script_src(path):
        res = client.get(path)
        assert res.status_code == 200, path
        return re.search(r"script-src ([^;]+)", res.headers["Content-Security-Policy"]).group(1)
    assert "'unsafe-eval'" in script_src("/admin/rq/")
    for path in ("/admin/", "/admin/users/", "/admin/audit/", "/data-requests"):
        assert "'unsafe-eval'" not in script_src(path) and "'unsafe-inline'" not in script_src(path)
