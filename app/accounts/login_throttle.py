"""Sign-in with a throttle against password guessing.

Only failures count, in two buckets: per account (the normalised email, whatever address the guesses
come from) and per client address (one address trying many accounts). A successful sign-in never
counts and clears its account's bucket, so colleagues behind one office NAT are never throttled for
signing in. The buckets live in the rate limiter's storage (Redis in production), shared by every web
process; the check happens before the password is verified, so a throttled guess learns nothing.

Known devices (OWASP's device-cookie pattern): a successful sign-in leaves a signed cookie naming the
account; a browser that presents a valid one for the email it signs in with is judged by its own bucket
(LOGIN_FAILURES_PER_DEVICE), not the account's. So a stranger's failures lock out strangers only, never
the owner's browsers; guessing from a stolen device cookie is throttled on that cookie. The per-client
bucket applies to everyone.
"""
from __future__ import annotations

import hashlib
import logging
import math
import secrets
import time

from flask import after_this_request, current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer
from limits import parse_many
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter

from app.accounts import users
from app.common import audit
from app.common.errors import ServiceError
from app.extensions import limiter
from app.models import User

log = logging.getLogger(__name__)
ACCOUNT = "login-failures-account"
# Redis down: sign-in needs PostgreSQL, not Redis. The throttle keeps counting failures in this
# process's memory (the same limits, per process) rather than failing every sign-in.
_memory = FixedWindowRateLimiter(MemoryStorage())


def _throttle(method: str, *args):
    try:
        return getattr(limiter.limiter, method)(*args)
    except Exception:  # the limiter's storage (Redis) is unreachable
        log.warning("login throttle: rate-limit storage unavailable; counting in this process")
        return getattr(_memory, method)(*args)
CLIENT = "login-failures-client"
DEVICE = "login-failures-device"
DEVICE_COOKIE = "levqor_device"


def _account_key(email: str) -> str:
    # Hashed: the limiter's storage needs a stable key, not the address itself.
    return hashlib.sha256(email.encode()).hexdigest()[:32]


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="login-device")


def known_device(email: str, cookie: str | None) -> str | None:
    """The device id of a valid device cookie issued to this email's account, else None."""
    if not cookie:
        return None
    max_age = current_app.config["LOGIN_DEVICE_COOKIE_DAYS"] * 86400
    try:
        data = _serializer().loads(cookie, max_age=max_age)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("a") != _account_key(email) or not isinstance(data.get("d"), str):
        return None
    return data["d"]


def _remember_device(email: str, device: str | None) -> None:
    """Set (or renew) this browser's device cookie on the response of a successful sign-in."""
    value = _serializer().dumps({"a": _account_key(email), "d": device or secrets.token_urlsafe(16)})
    config = current_app.config

    @after_this_request
    def set_cookie(response):
        response.set_cookie(DEVICE_COOKIE, value, max_age=config["LOGIN_DEVICE_COOKIE_DAYS"] * 86400,
                            httponly=True, samesite="Lax", secure=config["SESSION_COOKIE_SECURE"])
        return response


def _buckets(email: str, address: str | None, device: str | None = None):
    config = current_app.config
    if device:
        for item in parse_many(config["LOGIN_FAILURES_PER_DEVICE"]):
            yield item, DEVICE, device
    else:
        for item in parse_many(config["LOGIN_FAILURES_PER_ACCOUNT"]):
            yield item, ACCOUNT, _account_key(email)
    for item in parse_many(config["LOGIN_FAILURES_PER_CLIENT"]):
        yield item, CLIENT, address or "unknown"


def retry_after(email: str, address: str | None, device: str | None = None) -> int | None:
    """Seconds until this account (or known device) and address may try again; None when they may now."""
    waits = []
    for item, scope, key in _buckets(email, address, device):
        if not _throttle("test", item, scope, key):
            reset_at, _remaining = _throttle("get_window_stats", item, scope, key)
            waits.append(max(1, math.ceil(reset_at - time.time())))
    return max(waits) if waits else None


def _throttled(seconds: int) -> ServiceError:
    minutes = max(1, math.ceil(seconds / 60))
    message = _l("Too many failed sign-ins. Try again in 1 minute.") if minutes == 1 else \
        _l("Too many failed sign-ins. Try again in %(minutes)s minutes.", minutes=minutes)
    return ServiceError(message,
                        code="rate_limited", status=429, headers={"Retry-After": str(seconds)})


def _record_failure(email: str, address: str | None, device: str | None) -> None:
    for item, scope, key in _buckets(email, address, device):
        _throttle("hit", item, scope, key)
    details = {"email": email[:320], "known_device": bool(device)}
    audit.record("auth.failed", actor_id=None, ip=address, details=details, commit=True)


def _clear(email: str, device: str | None) -> None:
    config = current_app.config
    for item in parse_many(config["LOGIN_FAILURES_PER_ACCOUNT"]):
        _throttle("clear", item, ACCOUNT, _account_key(email))
    if device:
        for item in parse_many(config["LOGIN_FAILURES_PER_DEVICE"]):
            _throttle("clear", item, DEVICE, device)


def check_allowed(email: str, address: str | None, device_cookie: str | None = None) -> None:
    """Raise the 429 (with Retry-After) when the account (or this known device) or the address is throttled."""
    email = users.normalize_email(email)
    wait = retry_after(email, address, known_device(email, device_cookie))
    if wait:
        raise _throttled(wait)


def attempt(email: str, password: str, address: str | None, device_cookie: str | None = None) -> User:
    """The user for a correct email and password, else a 401 (or a 429 while throttled). A success
    (re)issues this browser's device cookie."""
    email = users.normalize_email(email)
    device = known_device(email, device_cookie)
    wait = retry_after(email, address, device)
    if wait:
        raise _throttled(wait)
    user = users.authenticate(email, password)
    if user is None:
        _record_failure(email, address, device)
        raise ServiceError(_l("Email or password is incorrect."), code="invalid_credentials", status=401)
    _clear(email, device)
    _remember_device(email, device)
    return user
