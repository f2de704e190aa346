from app.models import AuditLog


def test_login_returns_user_and_csrf_token(client, user):
    res = client.post("/api/auth/login", json={"email": "USER@example.com", "password": "user-password"})
    assert res.status_code == 200
    body = res.get_json()
    assert body["ok"] is True
    assert body["user"] == {"id": user.id, "email": "user@example.com", "name": user.name, "is_admin": False,
                            "locale": None}
    assert body["csrf_token"]
    me = client.get("/api/auth/me")
    assert me.status_code == 200 and me.get_json()["user"]["id"] == user.id
    assert AuditLog.query.filter_by(action="auth.login", actor_id=user.id).count() == 1


def test_unknown_email_and_wrong_password_get_the_same_error(client, user):
    wrong = client.post("/api/auth/login", json={"email": "user@example.com", "password": "nope-nope"})
    unknown = client.post("/api/auth/login", json={"email": "ghost@example.com", "password": "nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json() == unknown.get_json()
    assert wrong.get_json()["error"] == "invalid_credentials"
    assert client.get("/api/auth/me").status_code == 401


def test_login_is_throttled_with_retry_after(client, user):
    for _ in range(10):  # the default: 10 failures per account in 15 minutes
        res = client.post("/api/auth/login", json={"email": "user@example.com", "password": "bad-guess"})
        assert res.status_code == 401
    res = client.post("/api/auth/login", json={"email": "user@example.com", "password": "user-password"})
    assert res.status_code == 429
    assert res.get_json()["error"] == "rate_limited"
    assert 0 < int(res.headers["Retry-After"]) <= 15 * 60
    assert client.get("/api/auth/me").status_code == 401


def test_signin_form_shares_the_login_throttle(client, user):
    for _ in range(10):
        client.post("/api/auth/login", json={"email": "user@example.com", "password": "bad-guess"})
    res = client.post("/signin", data={"email": "user@example.com", "password": "user-password"})
    assert res.status_code == 429
    assert int(res.headers["Retry-After"]) > 0
    assert "Too many failed sign-ins" in res.get_data(as_text=True)


def test_logout_needs_csrf_token_and_then_signs_out(client, user, login):
    token = login(user)
    refused = client.post("/api/auth/logout")
    assert refused.status_code == 400
    assert refused.get_json()["error"] == "csrf_failed"
    assert client.get("/api/auth/me").status_code == 200  # nothing changed
    ok = client.post("/api/auth/logout", headers={"X-CSRFToken": token})
    assert ok.status_code == 200
    assert client.get("/api/auth/me").status_code == 401


def test_login_with_malformed_body_is_400_json(client):
    res = client.post("/api/auth/login", data="not json", content_type="text/plain")
    assert res.status_code == 400
    assert res.get_json()["ok"] is False


def test_signin_page_form_logs_in_and_redirects_to_next(client, user):
    page = client.get("/signin?next=/pricing")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    token = html.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    res = client.post("/signin", data={"email": "user@example.com", "password": "user-password",
                                        "next": "/pricing", "csrf_token": token})
    assert res.status_code == 302 and res.headers["Location"].endswith("/pricing")
    assert client.get("/api/auth/me").get_json()["user"]["email"] == "user@example.com"


def test_signin_form_without_csrf_is_refused(client, user):
    res = client.post("/signin", data={"email": "user@example.com", "password": "user-password"})
    assert res.status_code in (400, 422)
    assert client.get("/api/auth/me").status_code == 401


def test_signin_never_redirects_off_site(client, user):
    html = client.get("/signin").get_data(as_text=True)
    token = html.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    res = client.post("/signin", data={"email": "user@example.com", "password": "user-password",
                                        "next": "//evil.example/", "csrf_token": token})
    assert res.status_code == 302 and res.headers["Location"] == "/"


def test_passwords_are_stored_as_argon2id_at_production_cost(app, cheap_password_hashing, monkeypatch):
    from app.accounts import users

    monkeypatch.setattr(users, "_hasher", cheap_password_hashing)  # the app's own hasher, not the suite's
    user = users.create_user("cost@example.com", "a-long-enough-password")
    assert user.password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert users.authenticate("cost@example.com", "a-long-enough-password") == user
