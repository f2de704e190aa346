"""Sign-in with a throttle against password guessing.

Only failures count, in two buckets: per account (the normalised email, whatever address the guesses
come from) and per client address (one address trying many accounts). A successful sign-in never
counts and clears its account's bucket, so colleagues behind one office NAT are never throttled for
signing in. The buckets live in the rate limiter's storage (Redis in production), shared by every web
process; the check happens before the password is verified, so a throttled guess learns nothing.
"""
from __future__ import annotations

import hashlib
import logging
import math
import time

from flask import current_app
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


def _account_key(email: str) -> str:
    # Hashed: the limiter's storage needs a stable key, not the address itself.
    return hashlib.sha256(email.encode()).hexdigest()[:32]


def _buckets(email: str, address: str | None):
    config = current_app.config
    for item in parse_many(config["LOGIN_FAILURES_PER_ACCOUNT"]):
        yield item, ACCOUNT, _account_key(email)
    for item in parse_many(config["LOGIN_FAILURES_PER_CLIENT"]):
        yield item, CLIENT, address or "unknown"


def retry_after(email: str, address: str | None) -> int | None:
    """Seconds until this account and address may try again; None when they may try now."""
    waits = []
    for item, scope, key in _buckets(email, address):
        if not _throttle("test", item, scope, key):
            reset_at, _remaining = _throttle("get_window_stats", item, scope, key)
            waits.append(max(1, math.ceil(reset_at - time.time())))
    return max(waits) if waits else None


def _throttled(seconds: int) -> ServiceError:
    minutes = max(1, math.ceil(seconds / 60))
    return ServiceError(f"Too many failed sign-ins. Try again in {minutes} minute{'s' if minutes > 1 else ''}.",
                        code="rate_limited", status=429, headers={"Retry-After": str(seconds)})


def _record_failure(email: str, address: str | None) -> None:
    for item, scope, key in _buckets(email, address):
        _throttle("hit", item, scope, key)
    audit.record("auth.failed", actor_id=None, ip=address, details={"email": email[:320]}, commit=True)


def _clear_account(email: str) -> None:
    for item in parse_many(current_app.config["LOGIN_FAILURES_PER_ACCOUNT"]):
        _throttle("clear", item, ACCOUNT, _account_key(email))


def check_allowed(email: str, address: str | None) -> None:
    """Raise the 429 (with Retry-After) when the account or the address is throttled."""
    wait = retry_after(users.normalize_email(email), address)
    if wait:
        raise _throttled(wait)


def attempt(email: str, password: str, address: str | None) -> User:
    """The user for a correct email and password, else a 401 (or a 429 while throttled)."""
    email = users.normalize_email(email)
    check_allowed(email, address)
    user = users.authenticate(email, password)
    if user is None:
        _record_failure(email, address)
        raise ServiceError("Email or password is incorrect.", code="invalid_credentials", status=401)
    _clear_account(email)
    return user
