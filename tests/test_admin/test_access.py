"""Access matrix: anonymous, signed-in user and admin over every admin page and /api/admin route.

Routes are read from the app's URL map, so views added later are covered without touching this file.
"""
import pytest

STATIC_SUFFIXES = ("static", "/static/<path:filename>")


def admin_routes(app, prefix):
    rules = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(prefix) or "static" in rule.endpoint:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            path = rule.rule
            for arg in rule.arguments:
                path = path.replace(f"<int:{arg}>", "1").replace(f"<{arg}>", "1").replace(f"<path:{arg}>", "1")
                for conv in ("string", "int", "path", "any", "uuid"):
                    path = path.replace(f"<{conv}:{arg}>", "1")
            rules.append((method, path))
    return sorted(set(rules))


@pytest.fixture
def csrf_client(client):
    """A client whose session has a CSRF token, so refusals come from authorization, not CSRF."""
    token = client.get("/api/auth/csrf").get_json()["csrf_token"]
    return client, token


def request(client, method, path, token):
    headers = {"X-CSRFToken": token}
    return client.open(path, method=method, headers=headers, json={} if path.startswith("/api/") else None,
                       data=None if path.startswith("/api/") else {"csrf_token": token})


def test_the_matrix_covers_the_admin_surfaces(app):
    pages = admin_routes(app, "/admin")
    assert ("GET", "/admin/") in pages
    assert ("GET", "/admin/users/") in pages
    assert ("GET", "/admin/incidents/") in pages
    assert ("GET", "/admin/audit/") in pages
    assert any(path.startswith("/admin/rq") for _, path in pages)


def test_anonymous_is_sent_to_signin_or_gets_401(app, csrf_client):
    client, token = csrf_client
    for method, path in admin_routes(app, "/admin") + admin_routes(app, "/api/admin"):
        res = request(client, method, path, token)
        if path.startswith("/api/"):
            assert res.status_code == 401, (method, path, res.status_code)
            assert res.get_json()["error"] == "unauthorized"
        else:
            assert res.status_code == 302, (method, path, res.status_code)
            assert "/signin?next=" in res.headers["Location"], (method, path)


def test_signed_in_non_admin_gets_403_everywhere(app, client, user, login):
    token = login(user)
    for method, path in admin_routes(app, "/admin") + admin_routes(app, "/api/admin"):
        res = request(client, method, path, token)
        assert res.status_code == 403, (method, path, res.status_code)
        if path.startswith("/api/"):
            assert res.get_json()["error"] == "forbidden"


def test_admin_gets_every_admin_list_page(app, client, admin, login):
    login(admin)
    for method, path in admin_routes(app, "/admin"):
        if method != "GET" or "1" in path.split("/") or "/ajax/" in path or path.endswith(".ico"):
            continue
        res = client.get(path)
        assert res.status_code in (200, 302), (path, res.status_code)
        if res.status_code == 302:  # Flask-Admin redirects e.g. /delete/ without a form back to the list
            assert "/signin" not in res.headers["Location"], path
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/rq/").status_code == 200
    assert client.get("/admin/rq/0/data/queues.json").status_code == 200
