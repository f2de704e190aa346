"""The public development SECRET_KEY is refused whenever the app is reachable beyond this machine."""
import pytest

from config import is_local_base_url
from tests.test_config import run_python

START = "import wsgi; print('started')"


@pytest.mark.parametrize("base_url", ["https://trust.levqor.example", "http://trust.levqor.example",
                                      "https://127.0.0.1:5000", "http://10.0.0.5:5000", "http://0.0.0.0:5000"])
def test_development_key_is_refused_behind_a_public_or_https_base_url(tmp_path, base_url):
    """LEVQOR_ENV unset (development) and no SECRET_KEY: a cookie forged with the public key would
    open /admin, so the app does not start."""
    proc = run_python(START, INSTANCE_PATH=str(tmp_path), PUBLIC_BASE_URL=base_url)
    assert proc.returncode != 0
    assert "SECRET_KEY is not set" in proc.stderr


def test_development_key_is_refused_when_set_explicitly_behind_https(tmp_path):
    proc = run_python(START, INSTANCE_PATH=str(tmp_path), PUBLIC_BASE_URL="https://trust.levqor.example",
                      SECRET_KEY="dev-insecure-secret-key-change-me")
    assert proc.returncode != 0 and "SECRET_KEY is not set" in proc.stderr


@pytest.mark.parametrize("base_url", ["http://127.0.0.1:5000", "http://localhost:5000", "http://[::1]:8000"])
def test_development_on_loopback_still_starts_without_a_key(tmp_path, base_url):
    proc = run_python(START, INSTANCE_PATH=str(tmp_path), PUBLIC_BASE_URL=base_url)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "started"


def test_a_real_key_behind_https_starts(tmp_path):
    proc = run_python(START, INSTANCE_PATH=str(tmp_path), PUBLIC_BASE_URL="https://trust.levqor.example",
                      SECRET_KEY="k" * 64)
    assert proc.returncode == 0, proc.stderr


def test_loopback_detection():
    assert is_local_base_url("http://127.0.0.2:5000") and is_local_base_url("http://app.localhost")
    assert not is_local_base_url("http://127.0.0.1.evil.example") and not is_local_base_url("")


def test_gunicorn_refuses_the_development_key_when_it_binds_beyond_loopback(tmp_path):
    """The Procfile binds 0.0.0.0: with no SECRET_KEY the server does not start, whatever the base URL."""
    import os
    import subprocess
    import sys

    from tests.support.services import free_port
    from tests.support.worker import ROOT

    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "LEVQOR_ENV", "FLASK_ENV")}
    env.update(PUBLIC_BASE_URL="http://127.0.0.1:5000", INSTANCE_PATH=str(tmp_path))
    proc = subprocess.run([sys.executable, "-m", "gunicorn", "wsgi:app", "--bind", f"0.0.0.0:{free_port()}"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert "SECRET_KEY is not set, and gunicorn binds 0.0.0.0" in proc.stderr
