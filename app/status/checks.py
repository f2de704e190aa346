"""Health checks behind the status page.

Every component is checked in its own thread with its own timeout, so one hung dependency only
costs its own budget. A check that errors or times out gets ONE quick retry before it is called
`down` (a single dropped packet is not an outage); a check that answers but slower than the
component's latency threshold is `degraded`. `unknown` means "not configured" and never counts
in the overall level.

Budget per component: timeout (per attempt) + retry delay + timeout, i.e. bounded and known.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout
from dataclasses import asdict, dataclass, field

import requests
from flask import current_app
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from app.common.billing import stripe_client
from app.models.status import COMPONENTS, worst_level
from app.status import worker_health


@dataclass
class CheckResult:
    status: str  # up | degraded | down | unknown
    latency_ms: int | None = None
    error: str | None = None  # for staff: the raw message (URLs, driver text)
    attempts: int = 1
    info: dict = field(default_factory=dict)
    reason: str | None = None  # for the public: one of REASONS, never parsed out of `error`

    def as_details(self) -> dict:
        return asdict(self) | {"status": self.status}


# Why a check is not simply "up", as a code the public page turns into plain words.
REASONS = ("not_configured", "slow", "queue_backlog", "no_worker", "timeout", "unreachable", "http_error",
           "failed", "crashed")


class CheckFailed(Exception):
    """The dependency answered, but wrongly (bad status code, no live worker...)."""

    def __init__(self, message: str, reason: str = "failed"):
        super().__init__(message)
        self.reason = reason


class NotConfigured(Exception):
    pass


def parse_component_map(raw: str | None, cast=float) -> dict[str, float]:
    out = {}
    for item in filter(None, (p.strip() for p in (raw or "").split(","))):
        name, _, value = item.partition(":")
        out[name.strip()] = cast(value)
    return out


def timeout_for(component: str, config=None) -> float:
    config = config or current_app.config
    return parse_component_map(config.get("STATUS_CHECK_TIMEOUTS")).get(
        component, float(config.get("STATUS_CHECK_TIMEOUT", 5)))


def threshold_ms_for(component: str, config=None) -> float:
    config = config or current_app.config
    return parse_component_map(config.get("STATUS_LATENCY_THRESHOLDS_MS")).get(component, 1000.0)


def overall_of(levels) -> str:
    """The worst known level; `unknown` (not configured) never counts. Nothing known → unknown."""
    return worst_level(levels)


# --- the individual probes: return extra info, raise on failure --------------------------------

def _http_probe(url: str, timeout: float) -> dict:
    try:
        res = requests.get(url, timeout=(timeout, timeout), allow_redirects=True,
                           headers={"User-Agent": "levqor-status-check"})
    except requests.Timeout as exc:
        raise CheckFailed(f"timed out after {timeout:g}s waiting for {url}", "timeout") from exc
    except requests.ConnectionError as exc:
        reason = str(exc)
        for hint in ("Connection refused", "Name or service not known", "Connection reset", "No route to host"):
            if hint in reason:
                reason = hint
                break
        raise CheckFailed(f"cannot connect to {url}: {reason[:200]}", "unreachable") from exc
    if res.status_code >= 400:
        raise CheckFailed(f"HTTP {res.status_code} from {url}", "http_error")
    return {"http_status": res.status_code}


def probe_api(app, timeout: float) -> dict:
    url = app.config.get("API_HEALTH_URL") or f"{app.config['PUBLIC_BASE_URL']}/healthz"
    return _http_probe(url, timeout)


def probe_frontend(app, timeout: float) -> dict:
    url = app.config.get("FRONTEND_HEALTH_URL") or app.config["PUBLIC_BASE_URL"] + "/"
    return _http_probe(url, timeout)


def _status_engine(app):
    """A small engine of our own: the check must not borrow (or wait for) the app's pool."""
    engine = app.extensions.get("levqor_status_engine")
    if engine is None:
        url = app.config["SQLALCHEMY_DATABASE_URI"]
        connect_args = {"connect_timeout": 5} if url.startswith("postgresql") else {}
        engine = create_engine(url, poolclass=NullPool, connect_args=connect_args)
        app.extensions["levqor_status_engine"] = engine
    return engine


def probe_database(app, timeout: float) -> dict:
    engine = _status_engine(app)
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"SET LOCAL statement_timeout = {int(timeout * 1000)}"))
        value = conn.execute(text("SELECT 1")).scalar()
        conn.rollback()
    if value != 1:
        raise CheckFailed("SELECT 1 did not return 1")
    return {}


def probe_stripe(app, timeout: float) -> dict:
    if not app.config.get("STRIPE_API_KEY"):
        raise NotConfigured("STRIPE_API_KEY is not set")
    balance = stripe_client(timeout=timeout).v1.balance.retrieve()
    return {"livemode": bool(getattr(balance, "livemode", False))}


def probe_workflows(app, timeout: float) -> dict:
    """Per queue: live workers listening to it and the age of its oldest job (worker_health has the rule).
    Returns the per-queue info plus the verdict, which _answered turns into the level."""
    verdict = worker_health.assess(app)
    if verdict.status == "unknown":
        raise NotConfigured(verdict.message)
    return verdict.info | {"verdict": {"status": verdict.status, "reason": verdict.reason,
                                       "message": verdict.message}}


PROBES: dict[str, Callable] = {
    "api": probe_api,
    "frontend": probe_frontend,
    "database": probe_database,
    "stripe": probe_stripe,
    "workflows": probe_workflows,
}


# --- running them -----------------------------------------------------------------------------

def _attempt(probe, app, timeout: float) -> tuple[dict | None, int, str | None, str | None]:
    """One attempt, bounded by `timeout` even if the probe itself ignores it: (info, latency, error, reason)."""
    started = time.monotonic()
    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(_in_context, app, probe, timeout)
    try:
        info = future.result(timeout=timeout + 0.5)
        return info, _ms_since(started), None, None
    except NotConfigured:
        raise
    except FuturesTimeout:
        return None, _ms_since(started), f"timed out after {timeout:g}s", "timeout"
    except Exception as exc:  # any failure of the dependency is a result, not a crash
        message, reason = str(exc) or type(exc).__name__, _reason_of(exc)
        if "timed out" in message.lower() or "timeout" in type(exc).__name__.lower():
            message, reason = f"timed out after {timeout:g}s ({type(exc).__name__})", "timeout"
        return None, _ms_since(started), message[:500], reason
    finally:
        pool.shutdown(wait=False)


def _ms_since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _reason_of(exc: Exception) -> str:
    """A failure's public reason code: probes say it with CheckFailed; connection-level errors of the
    drivers (psycopg, redis, sockets) are `unreachable`."""
    if isinstance(exc, CheckFailed):
        return exc.reason

    if isinstance(exc, OSError | OperationalError | RedisConnectionError):
        return "unreachable"
    return "failed"


def _in_context(app, probe, timeout):
    with app.app_context():
        return probe(app, timeout)


def check_component(component: str, app=None, probe: Callable | None = None) -> CheckResult:
    app = app or current_app._get_current_object()
    probe = probe or PROBES[component]
    timeout = timeout_for(component, app.config)
    threshold = threshold_ms_for(component, app.config)
    attempts = 0
    error = reason = latency = None
    for attempt in (1, 2):
        attempts = attempt
        try:
            info, latency, error, reason = _attempt(probe, app, timeout)
        except NotConfigured as exc:
            return CheckResult("unknown", error=str(exc), attempts=attempt, reason="not_configured")
        if error is None:
            return _answered(info, latency, threshold, attempts)
        if attempt == 1:
            time.sleep(float(app.config.get("STATUS_RETRY_DELAY", 0.3)))
    return CheckResult("down", latency_ms=latency, error=error, attempts=attempts, reason=reason)


def _answered(info: dict, latency: int, threshold: float, attempts: int) -> CheckResult:
    """A probe that answered is up, or degraded when slow; the workflows probe brings its own verdict
    (a queue with no worker or a backlog is not retried: a heartbeat is not a flaky packet)."""
    verdict = info.pop("verdict", None)
    if verdict and verdict["status"] != "up":  # the workflows rule: a finding about queues, not latency
        return CheckResult(verdict["status"], latency_ms=latency, attempts=attempts, info=info,
                           reason=verdict["reason"], error=verdict["message"])
    if latency > threshold:
        return CheckResult("degraded", latency_ms=latency, attempts=attempts, info=info, reason="slow",
                           error=f"slow: {latency} ms (threshold {threshold:g} ms)")
    return CheckResult("up", latency_ms=latency, attempts=attempts, info=info)


def run_checks(app=None, probes: dict[str, Callable] | None = None) -> dict[str, CheckResult]:
    """All components concurrently; returns when the slowest has used up its own budget."""
    app = app or current_app._get_current_object()
    probes = probes or PROBES
    with ThreadPoolExecutor(max_workers=len(probes), thread_name_prefix="status-check") as pool:
        futures = {name: pool.submit(check_component, name, app, probe) for name, probe in probes.items()}
        results = {}
        for name, future in futures.items():
            try:
                results[name] = future.result()
            except Exception as exc:  # a bug in a probe must not hide the other components
                results[name] = CheckResult("down", error=f"check crashed: {exc}"[:500], reason="crashed")
    return {name: results[name] for name in COMPONENTS if name in results}
