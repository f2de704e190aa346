"""Every setting, read from the environment once, with defaults that are safe on a laptop.

Embedded defaults (no env vars at all) give the `make run` experience: SQLite under instance/,
an in-process queue, a local storage folder and an .eml outbox. Production sets DATABASE_URL,
REDIS_URL, S3_BUCKET, MAIL_SERVER, SECRET_KEY and PUBLIC_BASE_URL.
"""
from __future__ import annotations

import ipaddress
import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", BASE_DIR / "instance"))
DEV_SECRET_KEY = "dev-insecure-secret-key-change-me"


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def env_int(name: str, default: int) -> int:
    value = env_str(name)
    return int(value) if value is not None else default


def env_bool(name: str, default: bool = False) -> bool:
    value = env_str(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def normalize_database_url(url: str) -> str:
    """Hosting platforms hand out postgres:// or postgresql://; we always drive psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def engine_options(url: str, connect_timeout: int) -> dict:
    """pool_pre_ping everywhere; PostgreSQL also gets a connect timeout (libpq waits for TCP otherwise)."""
    options: dict = {"pool_pre_ping": True}
    if url.startswith("postgresql"):
        options["connect_args"] = {"connect_timeout": connect_timeout}
    return options


def parse_plans(raw: str) -> list[dict]:
    """PLANS="starter:Starter:1900:USD,pro:Pro:4900:USD" → list of plan dicts (amounts in cents)."""
    plans = []
    for item in filter(None, (p.strip() for p in raw.split(","))):
        code, name, amount, currency = item.split(":")
        plans.append({"code": code, "name": name, "price_amount": int(amount), "currency": currency})
    return plans


def parse_tiers(raw: str) -> list[tuple[float, int]]:
    """SLA_TIERS="99.9:10,99:25,95:100" → [(uptime_below_pct, credit_pct)], strictest last."""
    tiers = []
    for item in filter(None, (p.strip() for p in raw.split(","))):
        below, pct = item.split(":")
        tiers.append((float(below), int(pct)))
    return sorted(tiers, key=lambda t: -t[0])


def is_local_base_url(url: str) -> bool:
    """http:// on a loopback host: the only place the public development SECRET_KEY may be used."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme != "http":
        return False
    if host in ("localhost", "::1") or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Config:
    ENV_NAME = env_str("LEVQOR_ENV", env_str("FLASK_ENV", "development"))
    SECRET_KEY = env_str("SECRET_KEY", DEV_SECRET_KEY)
    PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    # Host headers the app answers (Flask's TRUSTED_HOSTS; any other gets 400, so a forged Host never
    # reaches a redirect's Location): the base URL's host, loopback names, and TRUSTED_HOSTS (comma-separated).
    TRUSTED_HOSTS = [urlsplit(PUBLIC_BASE_URL).hostname or "localhost", "localhost", "127.0.0.1", "[::1]",
                     *[h.strip() for h in (env_str("TRUSTED_HOSTS") or "").split(",") if h.strip()]]

    SQLALCHEMY_DATABASE_URI = normalize_database_url(
        env_str("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'levqor.db'}")
    )
    DATABASE_CONNECT_TIMEOUT = env_int("DATABASE_CONNECT_TIMEOUT", 5)  # seconds for a new connection
    SQLALCHEMY_ENGINE_OPTIONS = engine_options(SQLALCHEMY_DATABASE_URI, DATABASE_CONNECT_TIMEOUT)
    REDIS_URL = env_str("REDIS_URL")

    MAX_CONTENT_LENGTH = env_int("MAX_CONTENT_LENGTH", 6 * 1024 * 1024)

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = PUBLIC_BASE_URL.startswith("https://")
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)

    WTF_CSRF_TIME_LIMIT = None  # token lives as long as the session
    WTF_CSRF_HEADERS = ["X-CSRFToken", "X-CSRF-Token"]

    RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    # Failed sign-ins only (a success never counts): per account (normalised email, from any address)
    # and per client address. A success clears the account's counter.
    LOGIN_FAILURES_PER_ACCOUNT = env_str("LOGIN_FAILURES_PER_ACCOUNT", "10 per 15 minutes")
    LOGIN_FAILURES_PER_CLIENT = env_str("LOGIN_FAILURES_PER_CLIENT", "30 per 15 minutes")
    # A browser that signed in before (its signed `levqor_device` cookie) has its own failure bucket
    # instead of the account's, so strangers' failures never lock the owner's known devices out.
    LOGIN_FAILURES_PER_DEVICE = env_str("LOGIN_FAILURES_PER_DEVICE", "10 per 15 minutes")
    LOGIN_DEVICE_COOKIE_DAYS = env_int("LOGIN_DEVICE_COOKIE_DAYS", 180)
    # How many reverse proxies stand in front of the app. 0: X-Forwarded-* headers are ignored, since any
    # client could forge them (and so pick its own address for the throttle and the audit log).
    PROXY_COUNT = env_int("PROXY_COUNT", 0)
    # A hung Redis costs a sign-in at most a second; while Redis is down the login throttle counts in each
    # web process's memory (app/accounts/login_throttle.py), so sign-in works and guessing stays throttled.
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}

    STORAGE_BACKEND = env_str("STORAGE_BACKEND", "s3" if env_str("S3_BUCKET") else "local")
    STORAGE_LOCAL_DIR = env_str("STORAGE_LOCAL_DIR", str(INSTANCE_DIR / "storage"))
    S3_BUCKET = env_str("S3_BUCKET")
    S3_ENDPOINT_URL = env_str("S3_ENDPOINT_URL")
    S3_REGION = env_str("AWS_DEFAULT_REGION", "us-east-1")
    S3_PRESIGN_SECONDS = env_int("S3_PRESIGN_SECONDS", 300)

    MAIL_SERVER = env_str("MAIL_SERVER")
    MAIL_PORT = env_int("MAIL_PORT", 25)
    MAIL_USE_TLS = env_bool("MAIL_USE_TLS")
    MAIL_USE_SSL = env_bool("MAIL_USE_SSL")
    MAIL_USERNAME = env_str("MAIL_USERNAME")
    MAIL_PASSWORD = env_str("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = env_str("MAIL_DEFAULT_SENDER", "Levqor <no-reply@levqor.example>")
    MAIL_OUTBOX_DIR = env_str("MAIL_OUTBOX_DIR", str(INSTANCE_DIR / "outbox"))
    # Seconds the relay has for each SMTP command (greeting, reply, write): a slow relay fails one message
    # in seconds instead of holding a worker for the job's whole timeout (issue 28).
    MAIL_TIMEOUT = float(env_str("MAIL_TIMEOUT", "10"))
    SUPPORT_EMAIL = env_str("SUPPORT_EMAIL", "support@levqor.example")  # gets customer messages nobody owns yet

    STRIPE_API_KEY = env_str("STRIPE_API_KEY")
    STRIPE_API_BASE = env_str("STRIPE_API_BASE")  # tests point this at a local recorder
    STRIPE_TIMEOUT = float(env_str("STRIPE_TIMEOUT", "20"))  # seconds per Stripe request

    PLANS = parse_plans(env_str("PLANS", "starter:Starter:1900:USD,pro:Pro:4900:USD,business:Business:19900:USD"))
    SLA_TIERS = parse_tiers(env_str("SLA_TIERS", "99.9:10,99:25,95:100"))
    # Claims are accepted until this long after the end of the billing period holding the outage.
    SLA_FILING_DAYS = env_int("SLA_FILING_DAYS", 60)
    SLA_DECISION_DAYS = env_int("SLA_DECISION_DAYS", 30)  # staff should decide a claim this long after filing
    # Components the SLA promises; Stripe and the frontend edge are third parties (issue 11).
    SLA_COMPONENTS = tuple(c.strip() for c in env_str("SLA_COMPONENTS", "api,database,workflows").split(",")
                           if c.strip())
    # Above this share of the billing period without data, staff are told the measurement cannot be trusted.
    SLA_NO_DATA_MAX_PCT = float(env_str("SLA_NO_DATA_MAX_PCT", "5"))
    SLA_MIN_CREDIT = env_str("SLA_MIN_CREDIT", "1.00")  # in the currency's major unit; smaller approvals refused
    SLA_DISPUTE_DAYS = env_int("SLA_DISPUTE_DAYS", 30)  # a decision may be disputed this long after it was made
    # Proactive credits (issue 22): off | draft (staff approve the drafts) | auto (credited without staff).
    SLA_PROACTIVE = env_str("SLA_PROACTIVE", "draft")
    SLA_PROACTIVE_CHUNK = env_int("SLA_PROACTIVE_CHUNK", 500)  # drafts committed per transaction
    SLA_STRIPE_BACKOFF = tuple(int(x) for x in env_str("SLA_STRIPE_BACKOFF", "2,5,15").split(",") if x.strip())

    DSAR_THROTTLE_DAYS = env_int("DSAR_THROTTLE_DAYS", 30)
    DSAR_LINK_DAYS = env_int("DSAR_LINK_DAYS", 7)
    DSAR_ERASURE_GRACE_DAYS = env_int("DSAR_ERASURE_GRACE_DAYS", 14)  # Art. 17: erased this long after asking
    DSAR_REAUTH_MINUTES = env_int("DSAR_REAUTH_MINUTES", 60)  # a download needs a password typed this recently
    DSAR_JOB_TIMEOUT = env_int("DSAR_JOB_TIMEOUT", 1800)
    # Back-off between attempts of an export (seconds): often at first, so an export goes on within 1-5 min
    # of a dependency's return, for about an hour in all (an outage of the database, Redis or S3 is retried
    # that long; any other error fails the export after 4 attempts: app/dsar/exports.py).
    DSAR_RETRY_INTERVALS = tuple(int(s) for s in env_str(
        "DSAR_RETRY_INTERVALS", "30,60,60,60,120,120,120,300,300,300,300,300,600,600,600").split(","))
    # Seconds between a worker's heartbeats of the job it runs; a DSAR export whose job misses four is
    # taken for one whose worker died and is retried (app/dsar/recovery.py).
    WORKER_JOB_MONITORING_INTERVAL = env_int("WORKER_JOB_MONITORING_INTERVAL", 15)
    # How often the scheduler checks that every periodic job is still scheduled and that no slot passed
    # unqueued (then it runs that job once, now): jobs/schedule.py.
    SCHEDULER_RECONCILE_SECONDS = float(env_str("SCHEDULER_RECONCILE_SECONDS", "60"))
    # zlib level of the archive (1 fastest … 9 smallest). 3: half the CPU of 6 for a 2-12 % larger ZIP
    # (docs/performance.md, DSAR); deflate is a third of the export's Python CPU.
    DSAR_COMPRESS_LEVEL = min(9, max(1, env_int("DSAR_COMPRESS_LEVEL", 3)))
    # The Art. 15 information every archive carries (purposes, recipients, retention, rights…): one file
    # a company edits to fit its own processing.
    DSAR_ARTICLE15_FILE = os.environ.get("DSAR_ARTICLE15_FILE", str(BASE_DIR / "docs" / "article15.toml"))

    API_HEALTH_URL = env_str("API_HEALTH_URL")
    FRONTEND_HEALTH_URL = env_str("FRONTEND_HEALTH_URL")
    STATUS_CHECK_TIMEOUT = float(env_str("STATUS_CHECK_TIMEOUT", "5"))
    # Status page (issue 5). Per component "name:value" lists; a missing name falls back to the default.
    STATUS_CHECK_TIMEOUTS = env_str("STATUS_CHECK_TIMEOUTS", "")  # seconds per attempt, e.g. "stripe:8,database:3"
    STATUS_LATENCY_THRESHOLDS_MS = env_str("STATUS_LATENCY_THRESHOLDS_MS",
                                           "api:1000,frontend:1500,database:500,stripe:2500,workflows:1000")
    STATUS_RETRY_DELAY = float(env_str("STATUS_RETRY_DELAY", "0.3"))
    # Workflows component (app/status/worker_health.py has the rule): per queue, the age of the oldest
    # waiting job that makes it degraded / down, and how fresh the embedded runtime's heartbeat must be.
    STATUS_QUEUE_AGE_DEGRADED = env_int("STATUS_QUEUE_AGE_DEGRADED", 600)  # oldest queued job, seconds
    STATUS_QUEUE_AGE_DOWN = env_int("STATUS_QUEUE_AGE_DOWN", 1800)
    STATUS_RUNTIME_HEARTBEAT_SECONDS = env_int("STATUS_RUNTIME_HEARTBEAT_SECONDS", 480)
    STATUS_STALE_MINUTES = env_int("STATUS_STALE_MINUTES", 15)
    STATUS_CACHE_TTL = env_int("STATUS_CACHE_TTL", 30)  # safety net; changes also refresh the cache at once
    STATUS_LOCAL_CACHE_SECONDS = float(env_str("STATUS_LOCAL_CACHE_SECONDS", "2"))  # per-process copy
    STATUS_DB_RETRY_SECONDS = float(env_str("STATUS_DB_RETRY_SECONDS", "5"))  # after a failed read, copies only
    STATUS_RAW_RETENTION_DAYS = env_int("STATUS_RAW_RETENTION_DAYS", 30)
    STATUS_ROLLUP_RETENTION_DAYS = env_int("STATUS_ROLLUP_RETENTION_DAYS", 400)
    STATUS_PAGE_NAME = env_str("STATUS_PAGE_NAME", "Levqor")
    STATUS_REFRESH_SECONDS = env_int("STATUS_REFRESH_SECONDS", 60)  # how often an open /status refreshes itself
    STATUS_RESOLVED_BANNER_HOURS = env_int("STATUS_RESOLVED_BANNER_HOURS", 2)  # a resolved incident's banner, then gone
    # Status subscriptions (email and webhooks).
    STATUS_SUBSCRIBE_PER_CLIENT = env_str("STATUS_SUBSCRIBE_PER_CLIENT", "10 per hour")  # API/form calls, 429 beyond
    STATUS_SUBSCRIBE_PER_ADDRESS = env_str("STATUS_SUBSCRIBE_PER_ADDRESS", "3 per hour")  # confirmation mails sent
    STATUS_NOTIFY_BATCH = env_int("STATUS_NOTIFY_BATCH", 200)  # subscribers per notification mail job
    # A notification batch job's timeout; a delivery it claimed is taken again 60 s after that (its lease).
    STATUS_NOTIFY_JOB_TIMEOUT = env_int("STATUS_NOTIFY_JOB_TIMEOUT", 600)
    STATUS_WEBHOOK_ALLOW_PRIVATE = env_bool("STATUS_WEBHOOK_ALLOW_PRIVATE")  # tests and development only
    # Back-off between attempts of one delivery (seconds): ~2 h 40 in all before that delivery is given up.
    STATUS_WEBHOOK_RETRY_INTERVALS = tuple(int(s) for s in env_str(
        "STATUS_WEBHOOK_RETRY_INTERVALS", "30,120,600,1800,3600,3600").split(","))
    STATUS_WEBHOOK_DISABLE_AFTER = env_int("STATUS_WEBHOOK_DISABLE_AFTER", 15)  # failed attempts in a row
    STATUS_MAINTENANCE_REMINDER_MINUTES = env_int("STATUS_MAINTENANCE_REMINDER_MINUTES", 60)  # before it starts
    # Comma-separated addresses mailed once about each draft incident raised by failing checks; empty: none.
    STATUS_ONCALL_EMAILS = env_str("STATUS_ONCALL_EMAILS", "")
    STATUS_WEBHOOK_TIMEOUT = float(env_str("STATUS_WEBHOOK_TIMEOUT", "5"))  # s per delivery, then failed (retried)
    STATUS_WEBHOOK_CA_BUNDLE = env_str("STATUS_WEBHOOK_CA_BUNDLE")  # PEM roots for webhook TLS; default certifi's

    # Embedded mode: no REDIS_URL means an in-process fake Redis with a worker and scheduler thread.
    EMBEDDED_QUEUE = REDIS_URL is None
    # ...started with the first request the app serves (and by `flask serve` at once), never by CLI commands.
    EMBEDDED_RUNTIME_AUTOSTART = env_bool("EMBEDDED_RUNTIME_AUTOSTART", True)
    RQ_DASHBOARD_REDIS_URL = REDIS_URL or "redis://embedded"

    # Ops (issue 27): Prometheus metrics at /metrics and the log format.
    METRICS_TOKEN = env_str("METRICS_TOKEN")  # bearer token for /metrics; unset → loopback callers only
    # prometheus_client's multiprocess files: every web worker, RQ worker and work horse of a machine writes
    # here and /metrics sums them. Empty it at boot (gunicorn.conf.py does at start); a tmpfs is ideal.
    PROMETHEUS_MULTIPROC_DIR = env_str("PROMETHEUS_MULTIPROC_DIR", str(INSTANCE_DIR / "prometheus"))
    LOG_FORMAT = env_str("LOG_FORMAT", "text").lower()  # text (default) | json: one JSON object per line

    @classmethod
    def check(cls, config: dict) -> None:
        """Refuse to start without a real secret key outside development, and also in development
        whenever the app is reachable beyond this machine (a non-loopback or https base URL): the
        development key is public, so anyone could forge a session cookie with it."""
        if config.get("SECRET_KEY") not in (None, "", DEV_SECRET_KEY):
            return
        exposed = not is_local_base_url(config.get("PUBLIC_BASE_URL") or "")
        if config.get("ENV_NAME") not in ("development", "test") or exposed:
            raise RuntimeError(
                "SECRET_KEY is not set. Outside development, or behind a public or https PUBLIC_BASE_URL, "
                "Levqor refuses to start without a real SECRET_KEY "
                "(e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`)."
            )


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "test-secret-key"
    SQLALCHEMY_DATABASE_URI = normalize_database_url(
        env_str("TEST_DATABASE_URL", "sqlite:///:memory:")
    )
    SQLALCHEMY_ENGINE_OPTIONS = engine_options(SQLALCHEMY_DATABASE_URI, Config.DATABASE_CONNECT_TIMEOUT)
    RATELIMIT_STORAGE_URI = "memory://"
    MAIL_SUPPRESS_SEND = False
    STORAGE_BACKEND = "local"
    REDIS_URL = None
    EMBEDDED_QUEUE = True
    EMBEDDED_RUNTIME_AUTOSTART = False  # tests drain queues themselves or start a runtime on purpose
    STATUS_LOCAL_CACHE_SECONDS = 0  # tests see Redis-level invalidation at once; tests opt in to the local copy
    STATUS_DB_RETRY_SECONDS = 0  # tests see a restarted database at once; tests opt in to the pause
    STATUS_WEBHOOK_ALLOW_PRIVATE = True  # test receivers listen on 127.0.0.1; the refusal has its own tests
