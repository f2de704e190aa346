"""Signed tokens never reach a log: every link the app mails (download, confirm, unsubscribe, manage) is
redacted by the one filter, on gunicorn's access log and on the app's own loggers."""
from __future__ import annotations

import io
import logging

from app.common import logredact
from app.dsar import exports
from app.extensions import db
from app.models import DsarExport, StatusSubscriber
from app.subscriptions import subscribers


def _links(user) -> list[str]:
    sub = StatusSubscriber(email="reader@example.com", confirm_token="0" * 32)
    export = DsarExport(user_id=user.id, status="ready")
    db.session.add_all([sub, export])
    db.session.flush()
    return [exports.download_url(export), subscribers.confirm_url(sub, ["api"]), subscribers.unsubscribe_url(sub),
            subscribers.manage_url(sub)]


def test_every_route_that_takes_a_token_is_covered(app):
    prefixes = {rule.rule.split("<token>")[0] for rule in app.url_map.iter_rules() if "<token>" in rule.rule}
    assert prefixes and prefixes <= set(logredact.TOKEN_ROUTES), prefixes - set(logredact.TOKEN_ROUTES)


def test_app_log_lines_carry_no_token_of_any_mailed_link(app, user):
    """A handler on the root logger (where basicConfig puts the app's) gets the filter from install()."""
    links = _links(user)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        logredact.install()
        log = logging.getLogger("levqor.test.mailer")
        log.setLevel(logging.INFO)
        for link in links:
            log.info("mailed %s to %s", link, "reader@example.com")
        log.warning("retrying %s", "https://x.example/hook?token=abcdef123456&team=ops")
    finally:
        root.removeHandler(handler)
    text = stream.getvalue()
    assert text.count("mailed ") == len(links)
    for link in links:
        token = link.rsplit("/", 1)[1]
        assert token not in text and link.rsplit("/", 1)[0] + "/[redacted]" in text
    assert "abcdef123456" not in text and "token=[redacted]&team=ops" in text
