"""Outgoing mail: SMTP through Flask-Mail when MAIL_SERVER is set, else .eml files in the outbox."""
from __future__ import annotations

import logging
import smtplib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email.utils import parseaddr
from pathlib import Path

from flask import current_app, render_template
from flask_mail import Message

from app.common import i18n

log = logging.getLogger(__name__)


@contextmanager
def smtp_session() -> Iterator[smtplib.SMTP]:
    """One SMTP session with Flask-Mail's settings (server, port, TLS, login) and a timeout on every
    command (MAIL_TIMEOUT seconds: the greeting, each reply, each write), so a relay that answers
    slowly or not at all fails a message in seconds instead of holding a worker for minutes. Flask-Mail
    opens its sockets without a timeout."""
    state = current_app.extensions["mail"]
    timeout = float(current_app.config["MAIL_TIMEOUT"])
    smtp_class = smtplib.SMTP_SSL if state.use_ssl else smtplib.SMTP
    host = smtp_class(state.server, state.port, timeout=timeout)
    try:
        if state.use_tls:
            host.starttls()
        if state.username and state.password:
            host.login(state.username, state.password)
        yield host
    finally:
        try:
            host.quit()
        except (smtplib.SMTPException, OSError):
            host.close()


def send_mail(to: str, subject: str, text: str, html: str | None = None) -> str:
    """Send one message; returns where it went ("smtp" or the .eml path). Raises on SMTP failure."""
    msg = Message(subject=subject, recipients=[to], body=text, html=html,
                  sender=current_app.config["MAIL_DEFAULT_SENDER"])
    if current_app.config.get("MAIL_SERVER"):
        with smtp_session() as host:
            host.sendmail(parseaddr(msg.sender)[1], [to], msg.as_bytes())
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


def send_template(to: str, subject: str, template: str, locale: str | None = None, **context) -> str:
    """Render mail/<template>.txt and .html in the recipient's language (`locale`: "en" | "de", None is
    English) and send both parts; `subject` may be a lazy_gettext string, translated here."""
    with i18n.in_locale(locale):
        subject = str(subject)
        return send_mail(to, subject, *render_parts(template, subject, **context))
