"""Web-layer protections every response shares: security headers, the CSP nonce, the same-origin test
for routes that cannot carry our CSRF token, and signed tokens kept out of logs (app/common/logredact.py)."""
from __future__ import annotations

import base64
import hashlib
import secrets

from flask import Flask, current_app, g, request
from flask_login import current_user

from app.common import logredact

# Our pages need no inline script; Flask-Admin's few inline scripts carry the per-response nonce.
# Styles: admin pages (Flask-Admin, rq-dashboard) set style attributes, so only they allow inline style.
CSP = ("default-src 'self'; script-src 'self'{nonce}; style-src 'self'{inline_style}; img-src 'self' data:; "
       "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")
HSTS = "max-age=31536000; includeSubDomains"
# Flask-Admin's filter menu carries onclick="return false;" on every item. Admin pages allow exactly that
# handler by its hash ('unsafe-hashes' covers only the hashes listed), not inline script in general.
ADMIN_HANDLERS = ("return false;",)
ADMIN_HANDLER_HASHES = " 'unsafe-hashes'" + "".join(
    f" 'sha256-{base64.b64encode(hashlib.sha256(h.encode()).digest()).decode()}'" for h in ADMIN_HANDLERS)

def csp_nonce() -> str:
    """One nonce per response, for the inline scripts of third-party admin templates."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def content_security_policy() -> str:
    admin = request.path.startswith("/admin")
    nonce = f" 'nonce-{g.csp_nonce}'" if "csp_nonce" in g else ""
    # rq-dashboard builds its tables with underscore's _.template (new Function): that one mount, and
    # no other page, may evaluate strings as script.
    rq_eval = " 'unsafe-eval'" if request.blueprint == "rq_dashboard" else ""
    return CSP.format(nonce=nonce + (ADMIN_HANDLER_HASHES if admin else "") + rq_eval,
                      inline_style=" 'unsafe-inline'" if admin else "")


def set_security_headers(response):
    headers = response.headers
    if _signed_in():  # what a signed-in page shows (download links, claims) stays out of every cache
        headers["Cache-Control"] = "no-store"
    headers.setdefault("Content-Security-Policy", content_security_policy())
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    if current_app.config.get("PUBLIC_BASE_URL", "").startswith("https://"):
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def _signed_in() -> bool:
    if request.endpoint is None or request.endpoint == "static" or request.endpoint.endswith(".static"):
        return False
    return current_user.is_authenticated


def is_same_origin() -> bool:
    """True only when the browser says the request comes from one of our own pages.

    For routes that cannot check our CSRF token (rq-dashboard's JavaScript does not send it). Browsers
    send Sec-Fetch-Site and Origin on every POST; a request with neither is refused (fail closed)."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site != "same-origin":
        return False
    origin = request.headers.get("Origin")
    if origin is None:
        return site == "same-origin"
    ours = {request.host_url.rstrip("/"), current_app.config.get("PUBLIC_BASE_URL", "").rstrip("/")}
    return origin.rstrip("/") in ours


def init_security(app: Flask) -> None:
    app.after_request(set_security_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    logredact.install()
