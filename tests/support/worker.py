"""Run the real `flask --app wsgi worker --burst` in a subprocess against the test's services."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# app.config key → environment variable the production Config reads.
ENV_MAP = {
    "SQLALCHEMY_DATABASE_URI": "DATABASE_URL",
    "REDIS_URL": "REDIS_URL",
    "SECRET_KEY": "SECRET_KEY",
    "PUBLIC_BASE_URL": "PUBLIC_BASE_URL",
    "STORAGE_BACKEND": "STORAGE_BACKEND",
    "STORAGE_LOCAL_DIR": "STORAGE_LOCAL_DIR",
    "S3_BUCKET": "S3_BUCKET",
    "S3_ENDPOINT_URL": "S3_ENDPOINT_URL",
    "MAIL_SERVER": "MAIL_SERVER",
    "MAIL_PORT": "MAIL_PORT",
    "MAIL_OUTBOX_DIR": "MAIL_OUTBOX_DIR",
    "STRIPE_API_KEY": "STRIPE_API_KEY",
    "STRIPE_API_BASE": "STRIPE_API_BASE",
}


def worker_env(app, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ENV_MAP.values()}
    for key, var in ENV_MAP.items():
        value = app.config.get(key)
        if value not in (None, ""):
            env[var] = str(value)
    env["LEVQOR_ENV"] = "test"
    env.update({k: str(v) for k, v in extra.items()})
    return env


def run_flask_worker(app, *queues: str, timeout: float = 120, **extra_env) -> subprocess.CompletedProcess:
    """Drain the given queues (all when none) with a real worker process and return its output."""
    cmd = [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--burst", *queues]
    proc = subprocess.run(cmd, cwd=ROOT, env=worker_env(app, **extra_env), capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc
