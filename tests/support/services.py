"""Real local services for the suite: moto's S3 server, an aiosmtpd SMTP server, a live app
server and headless Chromium driven by Playwright."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--no-first-run",
                 "--disable-sync", "--disable-quic"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listening on port {port} after {timeout}s")


# --- S3: moto's server over HTTP -------------------------------------------------------------

@dataclass
class MotoS3:
    endpoint: str
    bucket: str
    process: subprocess.Popen

    def client(self):
        import boto3
        from botocore.config import Config

        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                            config=Config(signature_version="s3v4"))

    def keys(self) -> list[str]:
        res = self.client().list_objects_v2(Bucket=self.bucket)
        return [o["Key"] for o in res.get("Contents", [])]

    def get(self, key: str) -> bytes:
        return self.client().get_object(Bucket=self.bucket, Key=key)["Body"].read()


@pytest.fixture(scope="session")
def moto_server():
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        yield f"http://127.0.0.1:{port}", proc
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def moto_s3(app, moto_server):
    """Point the app's storage at a fresh bucket on moto's S3 server for this test."""
    import uuid

    endpoint, proc = moto_server
    s3 = MotoS3(endpoint, f"levqor-test-{uuid.uuid4().hex[:8]}", proc)
    s3.client().create_bucket(Bucket=s3.bucket)
    saved = {k: app.config.get(k) for k in ("STORAGE_BACKEND", "S3_BUCKET", "S3_ENDPOINT_URL")}
    app.config.update(STORAGE_BACKEND="s3", S3_BUCKET=s3.bucket, S3_ENDPOINT_URL=endpoint)
    app.extensions.pop("levqor_storage", None)
    yield s3
    app.config.update(saved)
    app.extensions.pop("levqor_storage", None)


# --- SMTP: aiosmtpd receiving real mail -----------------------------------------------------

@dataclass
class SmtpServer:
    port: int
    messages: list = field(default_factory=list)

    def wait_for(self, count: int = 1, timeout: float = 10):
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.messages


class _Handler:
    def __init__(self, box: SmtpServer):
        self.box = box

    async def handle_DATA(self, server, session, envelope):
        msg = message_from_bytes(envelope.content, policy=policy.default)
        self.box.messages.append({"to": envelope.rcpt_tos, "from": envelope.mail_from, "message": msg,
                                  "subject": msg["subject"]})
        return "250 Message accepted for delivery"


def _import_aiosmtpd_controller():
    """aiosmtpd imports the `atpublic` distribution as `public`, which our public/ package (a name
    the SPEC fixes) shadows. Load atpublic's module under that name just while aiosmtpd imports."""
    import importlib.util
    import sysconfig

    ours = sys.modules.pop("public", None)
    path = os.path.join(sysconfig.get_paths()["purelib"], "public", "__init__.py")
    spec = importlib.util.spec_from_file_location("public", path, submodule_search_locations=[os.path.dirname(path)])
    atpublic = importlib.util.module_from_spec(spec)
    sys.modules["public"] = atpublic
    try:
        spec.loader.exec_module(atpublic)
        from aiosmtpd.controller import Controller
    finally:
        for name in [n for n in sys.modules if n == "public" or n.startswith("public._")]:
            del sys.modules[name]
        if ours is not None:
            sys.modules["public"] = ours
    return Controller


@pytest.fixture(scope="session")
def smtp_server():
    Controller = _import_aiosmtpd_controller()  # noqa: N806

    box = SmtpServer(port=free_port())
    controller = Controller(_Handler(box), hostname="127.0.0.1", port=box.port)
    controller.start()
    yield box
    controller.stop()


@pytest.fixture
def smtp(smtp_server):
    smtp_server.messages.clear()
    return smtp_server


def mail_parts(msg) -> tuple[str, str]:
    """(text, html) bodies of a received message."""
    text = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    return (text.get_content() if text else "", html.get_content() if html else "")


# --- Browser: a live server and headless Chromium ------------------------------------------

@pytest.fixture
def live_server(app):
    from werkzeug.serving import make_server

    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@contextmanager
def browser_page(browser, **context_options):
    """A page in a context of its own, closed afterwards however the test ends. Pass bypass_csp=True only
    to audit with axe-core: it is injected as a script, which our Content-Security-Policy rightly forbids
    (tests/browser/test_csp.py checks the pages under the real policy)."""
    context = browser.new_context(**context_options)
    try:
        pg = context.new_page()
        pg.set_default_timeout(15000)
        yield pg
    finally:
        context.close()


@pytest.fixture
def page(browser):
    with browser_page(browser) as pg:
        yield pg


@pytest.fixture
def audit_page(browser):
    """A page axe-core can be injected into (see browser_page)."""
    with browser_page(browser, bypass_csp=True) as pg:
        yield pg


def run_queued(app) -> None:
    """Run once, in this process, what is queued on the app's Redis, and nothing else: no periodic job
    fires by itself (the fault tests drain a second app wired to a private Redis this way)."""
    from jobs.worker import EmbeddedRuntime

    runtime = EmbeddedRuntime(app)
    runtime.periodic = False
    runtime.run_once()


def browser_login(page, base: str, email: str, password: str, next_path: str = "/") -> None:
    page.goto(f"{base}/signin?next={next_path}")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}{next_path}")
