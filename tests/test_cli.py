from app.extensions import db
from app.models import DsarExport, Invoice, RunLog, StatusSnapshot, Subscription, User, Workflow


def test_users_create_then_duplicate_fails_clearly(app):
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["users", "create", "New@Example.com", "--password", "long-enough-pw", "--admin"])
    assert ok.exit_code == 0, ok.output
    assert "Created admin new@example.com" in ok.output
    user = db.session.scalars(db.select(User).filter_by(email="new@example.com")).one()
    assert user.is_admin and user.password_hash.startswith("$argon2id$")

    dup = runner.invoke(args=["users", "create", "new@example.com", "--password", "another-password"])
    assert dup.exit_code != 0
    assert "already exists" in dup.output


def test_users_create_refuses_short_passwords(app):
    res = app.test_cli_runner().invoke(args=["users", "create", "a@example.com", "--password", "short"])
    assert res.exit_code != 0 and "at least 8" in res.output


def test_seed_demo_is_idempotent_and_prints_logins(app, client):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    counts = {m: db.session.scalar(db.select(db.func.count()).select_from(m)) for m in
              (User, Workflow, RunLog, Subscription, Invoice, StatusSnapshot)}
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0
    assert counts == {m: db.session.scalar(db.select(db.func.count()).select_from(m)) for m in counts}
    assert "admin@levqor.example" in second.output and "demo@levqor.example" in second.output
    assert counts[RunLog] > 0 and counts[Subscription] == 1 and counts[Invoice] >= 1
    sensitive = db.session.scalar(db.select(db.func.count(RunLog.id)).where(RunLog.is_sensitive.is_(True)))
    assert sensitive > 0
    assert db.session.scalar(db.select(db.func.count(DsarExport.id))) == 0
    res = client.post("/api/auth/login", json={"email": "demo@levqor.example", "password": "user-demo-pass"})
    assert res.status_code == 200
