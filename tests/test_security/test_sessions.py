"""Sessions end when they should: at logout (every copy of the cookie), at a password change; and the CSRF
token of a session never survives sign-in."""
from app.accounts import users
from app.extensions import db
from app.models import AuditLog


def _copy_cookie(app, source, name="session"):
    copy = app.test_client()
    copy.set_cookie(name, source.get_cookie(name).value)
    return copy


def test_logout_ends_the_session_for_every_copy_of_the_cookie(app, client, user, login):
    token = login(user)
    stolen = _copy_cookie(app, client)
    assert stolen.get("/api/auth/me").status_code == 200
    assert client.post("/api/auth/logout", headers={"X-CSRFToken": token}).status_code == 200
    assert stolen.get("/api/auth/me").status_code == 401
    assert stolen.get("/data-requests").status_code == 302
    assert AuditLog.query.filter_by(action="auth.logout", target_user_id=user.id).count() == 1


def test_signing_in_again_after_logout_works(client, user, login):
    token = login(user)
    client.post("/api/auth/logout", headers={"X-CSRFToken": token})
    login(user)
    assert client.get("/api/auth/me").status_code == 200


def test_a_password_change_ends_existing_sessions(app, client, user, login):
    login(user)
    users.set_password(user, "a-brand-new-password", actor_id=user.id)
    assert client.get("/api/auth/me").status_code == 401
    assert client.post("/api/auth/login", json={"email": user.email, "password": "user-password"}).status_code == 401
    assert client.post("/api/auth/login",
                       json={"email": user.email, "password": "a-brand-new-password"}).status_code == 200
    assert AuditLog.query.filter_by(action="user.password_changed", target_user_id=user.id).count() == 1


def test_the_csrf_token_is_rotated_at_sign_in(client, user, login):
    before = client.get("/api/auth/csrf").get_json()["csrf_token"]
    after = login(user)
    assert before != after
    refused = client.post("/api/auth/logout", headers={"X-CSRFToken": before})
    assert refused.status_code == 400 and refused.get_json()["error"] == "csrf_failed"
    assert client.get("/api/auth/me").status_code == 200  # nothing changed
    assert client.post("/api/auth/logout", headers={"X-CSRFToken": after}).status_code == 200


def test_a_session_cookie_without_a_version_opens_nothing(app, client, user):
    """A cookie minted by the previous release (or forged with only a user id) is not accepted."""
    with client.session_transaction() as sess:
        sess["_user_id"] = str(user.id)
        sess["_fresh"] = True
    assert client.get("/api/auth/me").status_code == 401
    db.session.rollback()


def test_cli_set_password_signs_the_user_out_everywhere(app, client, user, login):
    login(user)
    result = app.test_cli_runner().invoke(args=["users", "set-password", "USER@example.com",
                                                "--password", "rotated-password"])
    assert result.exit_code == 0, result.output
    assert client.get("/api/auth/me").status_code == 401
    short = app.test_cli_runner().invoke(args=["users", "set-password", user.email, "--password", "short"])
    assert short.exit_code != 0 and "at least 8 characters" in short.output
    missing = app.test_cli_runner().invoke(args=["users", "set-password", "ghost@example.com", "--password", "x" * 9])
    assert missing.exit_code != 0 and "No user" in missing.output
