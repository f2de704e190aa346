import os
import subprocess
import sys
from pathlib import Path

import pytest

from config import Config, normalize_database_url

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("given, expected", [
    ("postgresql://u@db:5432/levqor", "postgresql+psycopg://u@db:5432/levqor"),
    ("postgres://u:p@db/levqor", "postgresql+psycopg://u:p@db/levqor"),
    ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
])
def test_database_url_accepts_the_plain_postgresql_form(given, expected):
    assert normalize_database_url(given) == expected


def run_python(code: str, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items()
             if k not in ("SECRET_KEY", "LEVQOR_ENV", "FLASK_ENV", "PUBLIC_BASE_URL", "DATABASE_URL", "REDIS_URL")}
    clean.update(env)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True,
                          timeout=60)


def test_production_without_secret_key_refuses_to_start(tmp_path):
    proc = run_python("import wsgi", LEVQOR_ENV="production", INSTANCE_PATH=str(tmp_path))
    assert proc.returncode != 0
    assert "SECRET_KEY is not set" in proc.stderr


def test_production_with_secret_key_starts_with_secure_cookies(tmp_path):
    code = ("import wsgi; c = wsgi.app.config; "
            "print(c['SESSION_COOKIE_SECURE'], c['SESSION_COOKIE_HTTPONLY'], c['SESSION_COOKIE_SAMESITE'])")
    proc = run_python(code, LEVQOR_ENV="production", SECRET_KEY="s3cr3t-" * 6, INSTANCE_PATH=str(tmp_path),
                      PUBLIC_BASE_URL="https://trust.levqor.example")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["True", "True", "Lax"]


def test_embedded_defaults_need_no_services():
    assert Config.SQLALCHEMY_DATABASE_URI.startswith("sqlite:///") or os.environ.get("DATABASE_URL")
    assert Config.STORAGE_BACKEND in ("local", "s3")
    assert Config.SESSION_COOKIE_HTTPONLY and Config.SESSION_COOKIE_SAMESITE == "Lax"
    assert Config.MAX_CONTENT_LENGTH > 0


def test_session_cookie_flags_on_login(client, user):
    res = client.post("/api/auth/login", json={"email": "user@example.com", "password": "user-password"})
    cookie = res.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
