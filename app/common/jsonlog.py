"""Logs ops can search: with LOG_FORMAT=json every log line is one JSON object carrying the request or
job it belongs to, and there is one summary line per request and per job.

The context lives in contextvars (set by app/api/ops.py for a request, by the @job wrapper for a job), so
any logger anywhere — ours, SQLAlchemy's, RQ's — gets `request_id` or `job_id` without being passed it.
Messages and exception texts go through app/common/redact.py's redact_text, the same rule as exports.
Plain text (the default, `make run`) stays as it was.
"""
from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime

from app.common import metrics, redact

CONTEXT: contextvars.ContextVar[dict | None] = contextvars.ContextVar("levqor_log_context", default=None)
REQUEST_ID_HEADER = "X-Request-ID"
_GOOD_REQUEST_ID = re.compile(r"[A-Za-z0-9._:/+=-]{1,128}")
# Attributes every LogRecord has; anything else passed as `extra=` is a field of the JSON line.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}
_state = {"json": False}  # summary lines only in JSON mode: plain text keeps gunicorn's access log
# Looked up when used, not at import: Alembic's fileConfig (migrations/env.py) disables every logger that
# exists when a migration runs in-process.
REQUEST_LOGGER, JOB_LOGGER = "levqor.request", "levqor.job"


def request_id(incoming: str | None) -> str:
    """The caller's X-Request-ID when it is a sane token (a proxy's or a client's), else a new one."""
    if incoming and _GOOD_REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def bind(**fields) -> contextvars.Token:
    return CONTEXT.set({**(CONTEXT.get() or {}), **fields})


def current() -> dict:
    return dict(CONTEXT.get() or {})


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace(
                "+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact.redact_text(record.getMessage()),
            **current(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exception"] = redact.redact_text(self.formatException(record.exc_info))
        return json.dumps(redact.redact(line), default=str, ensure_ascii=False)


def configure(log_format: str) -> None:
    """`json`: every handler of the root logger (and gunicorn's error log) writes JSON lines."""
    _state["json"] = log_format == "json"
    if not _state["json"]:
        return
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler())
    for logger in (root, logging.getLogger("gunicorn.error")):
        for handler in logger.handlers:
            if not isinstance(handler.formatter, JsonFormatter):
                handler.setFormatter(JsonFormatter())


@contextlib.contextmanager
def job_scope(name: str, job_id: str | None):
    """Around one job run: its lines carry `job` and `job_id`; its outcome and duration are counted
    (levqor_job_runs_total, levqor_job_duration_seconds) and, in JSON mode, logged in one line."""
    token = bind(job=name, job_id=job_id)
    started, outcome = time.perf_counter(), "success"
    try:
        yield
    except BaseException:
        outcome = "error"
        raise
    finally:
        seconds = time.perf_counter() - started
        metrics.observe_job(name, outcome, seconds)
        if _state["json"]:
            logging.getLogger(JOB_LOGGER).info("job %s %s", name, outcome,
                         extra={"outcome": outcome, "duration_ms": round(seconds * 1000, 1)})
        CONTEXT.reset(token)


def log_request(method: str, route: str, status: int, seconds: float, user_id) -> None:
    """The one line per request (JSON mode); the request id comes from the context. The route template,
    never the path: a path may carry a secret (a DSAR download link)."""
    if _state["json"]:
        logging.getLogger(REQUEST_LOGGER).info("%s %s %s", method, route, status, extra={
            "method": method, "route": route, "status": status, "duration_ms": round(seconds * 1000, 1),
            "user_id": user_id})
