"""Outgoing mail: SMTP through Flask-Mail when MAIL_SERVER is set, else .eml files in the outbox."""
from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app, render_template
from flask_mail import Message

from app.extensions import mail

log = logging.getLogger(__name__)


def send_mail(to: str, subject: str, text: str, html: str | None = None) -> str:
    """Send one message; returns where it went ("smtp" or the .eml path). Raises on SMTP failure."""
    msg = Message(subject=subject, recipients=[to], body=text, html=html,
                  sender=current_app.config["MAIL_DEFAULT_SENDER"])
    if current_app.config.get("MAIL_SERVER"):
        mail.send(msg)
        where = "smtp"
    else:
        where = write_outbox(msg.as_bytes())
    log.info("mail sent to=%s subject=%r via=%s", to, subject, where)
    return where


def write_outbox(raw: bytes) -> str:
    """No MAIL_SERVER (development): the message as an .eml file in the outbox; returns its path."""
    outbox = Path(current_app.config["MAIL_OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    path = outbox / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
    path.write_bytes(raw)
    return str(path)


def render_parts(template: str, subject: str, **context) -> tuple[str, str]:
    """mail/<template>.txt and .html, rendered."""
    return (render_template(f"mail/{template}.txt", subject=subject, **context),
            render_template(f"mail/{template}.html", subject=subject, **context))


def send_template(to: str, subject: str, template: str, **context) -> str:
    """Render mail/<template>.txt and .html and send both parts."""
    return send_mail(to, subject, *render_parts(template, subject, **context))
