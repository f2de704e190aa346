"""X-Forwarded-For decides the client address only when PROXY_COUNT says how many proxies to trust."""
from tests.test_config import run_python

PROBE = """
from flask_migrate import upgrade
from app import create_app
from app.models import AuditLog
from config import TestConfig
app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite:///{db}", RATELIMIT_STORAGE_URI="memory://", **{extra})
with app.app_context():
    upgrade()
    client = app.test_client()
    client.post("/api/auth/login", json={{"email": "a@example.com", "password": "x"}},
                headers={{"X-Forwarded-For": "203.0.113.66, 198.51.100.9"}})
    print(AuditLog.query.filter_by(action="auth.failed").one().ip)
"""


def _failed_login_ip(tmp_path, **extra) -> str:
    code = PROBE.format(db=tmp_path / "probe.db", extra=repr(extra))
    proc = run_python(code, INSTANCE_PATH=str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip().splitlines()[-1]


def test_forwarded_for_is_ignored_by_default(tmp_path):
    assert _failed_login_ip(tmp_path) == "127.0.0.1"


def test_with_one_proxy_the_address_it_saw_is_used(tmp_path):
    """The last hop was added by our proxy; anything before it is the client's own claim."""
    assert _failed_login_ip(tmp_path, PROXY_COUNT=1) == "198.51.100.9"
