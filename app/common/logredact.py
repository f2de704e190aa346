"""Signed tokens out of every log: gunicorn's access and error logs, werkzeug's, and ours.

A link that carries a token (a DSAR download, a subscription's confirmation, an unsubscribe) is as good
as the secret it leads to: whoever reads a confirmation link in a log could confirm a pending webhook
first and be shown its signing secret. One rule: the path segment after any route that takes a
`<token>`, and any `token=` query value, read `[redacted]`. tests/test_security/test_log_tokens.py
checks that every such route of the app is listed here.

Installed by the app factory (app/security.py) and by gunicorn.conf.py, so the access log is clean
even before the app is loaded; any other log setup installs this same filter.
"""
from __future__ import annotations

import logging
import re

REDACTED = "[redacted]"
TOKEN_ROUTES = ("/data-requests/download/", "/status/subscriptions/confirm/", "/status/unsubscribe/",
                "/status/subscriptions/manage/")
TOKEN = re.compile("(" + "|".join(re.escape(p) for p in TOKEN_ROUTES) + r"|[?&;]token=)[^\s?#&\"']+")
LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")


def redact(text: str) -> str:
    return TOKEN.sub(r"\1" + REDACTED, text)


class RedactTokens(logging.Filter):
    """Rewrites a record whose formatted message holds a token (and only such a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def install() -> None:
    """Idempotent: on the access/error loggers and on every handler of the root logger."""
    redactor = RedactTokens()
    targets = [logging.getLogger(name) for name in LOGGERS] + list(logging.getLogger().handlers)
    for target in targets:
        if not any(isinstance(f, RedactTokens) for f in target.filters):
            target.addFilter(redactor)
