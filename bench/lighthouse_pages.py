"""Lighthouse (npm `lighthouse`, pinned in package.json) on every public page, in the headless
Chromium at /usr/bin/chromium: run by hand, prints the scores (issue 27.6: accessibility and best
practices >= 95, performance >= 90).

Serves the app from a temporary instance (SQLite, embedded queue, the demo seed: a week of status
history, a resolved incident) on a free loopback port, then runs Lighthouse's default (mobile) audit
on each page, one after the other.

Usage: .venv/bin/python bench/lighthouse_pages.py   (env: PAGES="/ /status", LIGHTHOUSE_FORM_FACTOR=desktop)
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.services import free_port  # noqa: E402

PAGES = os.environ.get("PAGES", "/ /signin /pricing /status /status/history /status/how-we-measure "
                                "/status/subscribe /sla-credits").split()
CATEGORIES = ("performance", "accessibility", "best-practices")
LIGHTHOUSE = ROOT / "node_modules/.bin/lighthouse"


def serve() -> tuple[str, object]:
    from werkzeug.serving import make_server

    from app import create_app
    from config import Config

    work = tempfile.mkdtemp(prefix="levqor-lighthouse-")
    port = free_port()
    base = f"http://127.0.0.1:{port}"

    class BenchConfig(Config):
        SECRET_KEY = "lighthouse-" + os.urandom(16).hex()
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{work}/levqor.db"
        REDIS_URL = None
        EMBEDDED_QUEUE = True
        EMBEDDED_RUNTIME_AUTOSTART = False
        RATELIMIT_STORAGE_URI = "memory://"

    app = create_app(BenchConfig, INSTANCE_PATH=work, PUBLIC_BASE_URL=base)
    with app.app_context():
        from flask_migrate import upgrade

        from app.console.demo import seed

        upgrade(revision="heads")
        seed()
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return base, server


def audit(url: str) -> dict[str, int]:
    args = [str(LIGHTHOUSE), url, "--quiet", "--output=json", "--output-path=stdout",
            f"--only-categories={','.join(CATEGORIES)}", "--chrome-path=/usr/bin/chromium",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu"]
    if os.environ.get("LIGHTHOUSE_FORM_FACTOR") == "desktop":
        args.append("--preset=desktop")
    out = subprocess.run(args, capture_output=True, text=True, check=True, timeout=300).stdout
    report = json.loads(out)
    failed = [a["id"] for a in report["audits"].values()
              if a.get("score") is not None and a["score"] < 1 and a.get("scoreDisplayMode") == "binary"]
    scores = {c: round(report["categories"][c]["score"] * 100) for c in CATEGORIES}
    return scores | {"failed": failed}


def main() -> None:
    base, server = serve()
    try:
        print(f"{'page':<26} {'perf':>5} {'a11y':>5} {'best':>5}  failed binary audits")
        for path in PAGES:
            s = audit(base + path)
            print(f"{path:<26} {s['performance']:>5} {s['accessibility']:>5} {s['best-practices']:>5}  "
                  f"{' '.join(s['failed']) or '-'}", flush=True)
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
