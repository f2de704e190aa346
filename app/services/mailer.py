"""Outgoing mail: SMTP through Flask-Mail when MAIL_SERVER is set, else .eml files in the outbox."""
from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app, render_template
from flask_mail import Message

from app.extensions import mail

log = logging.getLogger(__name__)


@contextmanager
def connection() -> Iterator[object | None]:
    """One SMTP connection for many messages (a batch of notifications), or None for the outbox."""
    if current_app.config.get("MAIL_SERVER"):
        with mail.connect() as conn:
            yield conn
    else:
        yield None


def send_mail(to: str, subject: str, text: str, html: str | None = None, *, headers: dict | None = None,
              conn=None) -> str:
    """Send one message (over `conn` when given); returns where it went ("smtp" or the .eml path).
    Raises on SMTP failure."""
    msg = Message(subject=subject, recipients=[to], body=text, html=html,
                  sender=current_app.config["MAIL_DEFAULT_SENDER"], extra_headers=headers)
    if current_app.config.get("MAIL_SERVER"):
        (conn or mail).send(msg)
        where = "smtp"
    else:
        outbox = Path(current_app.config["MAIL_OUTBOX_DIR"])
        outbox.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        path = outbox / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
        path.write_bytes(msg.as_bytes())
        where = str(path)
    log.info("mail sent to=%s subject=%r via=%s", to, subject, where)
    return where


def send_template(to: str, subject: str, template: str, *, headers: dict | None = None, conn=None,
                  **context) -> str:
    """Render mail/<template>.txt and .html and send both parts."""
    text = render_template(f"mail/{template}.txt", subject=subject, **context)
    html = render_template(f"mail/{template}.html", subject=subject, **context)
    return send_mail(to, subject, text, html, headers=headers, conn=conn)
