"""A status subscriber's own data without an account (issue 25.5): every mail and the confirmation page
link to a signed "manage your subscription" page that shows everything we hold about the address, downloads
it as JSON and deletes it all at once (CSRF, audited)."""
from __future__ import annotations

import json
import re

from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditLog, StatusNotification, StatusSubscriber
from tests.support.services import mail_parts
from tests.test_subscriptions.conftest import confirm_from_mail, csrf_from, link_in, open_incident

MANAGE = r"http://localhost/status/subscriptions/manage/"


def _path(url: str) -> str:
    return url.removeprefix("http://localhost")


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_manage_link_in_a_real_mail_shows_downloads_and_deletes_everything(app, client, smtp, subscribe,
                                                                              drain_queues, receiver):
    confirm_mail = subscribe(client, email="reader@example.com", components=["api"])
    assert link_in(confirm_mail, MANAGE)  # the confirmation mail has the link too
    confirmed = confirm_from_mail(client, confirm_mail)
    assert 'id="manage-link"' in confirmed and "Manage your subscription" in confirmed  # …and the page
    hook_mail = subscribe(client, email="reader@example.com", webhook_url=receiver.url)
    confirm_from_mail(client, hook_mail)
    subscribe(client, email="someone-else@example.com")  # another address: never shown, never deleted

    open_incident("API latency", ["api"], "Requests are slow.")
    drain_queues()
    note = next(m["message"] for m in smtp.messages if "API latency" in m["subject"])
    text, html = mail_parts(note)
    url = link_in(note, MANAGE)
    assert url in html.replace("&amp;", "&") and "Manage your subscription" in text

    stranger = app.test_client()  # no session: the signed link is the key
    page = stranger.get(_path(url))
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "reader@example.com" in body and "someone-else@example.com" not in body
    assert "Emails to reader@example.com" in body and "Webhook to 127.0.0.1" in body  # the webhook's host
    assert "API" in body and "Active: you receive updates" in body and "Updates we sent (1)" in body
    assert "whsec_" not in body and "team=ops" not in body  # neither the secret nor the URL's query

    download = stranger.get(_path(url) + "/data.json")
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    data = json.loads(download.data)
    assert data["email"] == "reader@example.com" and len(data["subscriptions"]) == 2
    kinds = {s["kind"]: s for s in data["subscriptions"]}
    assert kinds["email"]["components"] == ["api"] and kinds["email"]["deliveries"][0]["status"] == "sent"
    assert kinds["webhook"]["webhook_url"] == receiver.url and "whsec_" not in download.get_data(as_text=True)

    no_csrf = stranger.post(_path(url) + "/delete")
    assert no_csrf.status_code == 400 and _count(StatusSubscriber) == 3  # nothing changed without the token
    gone = stranger.post(_path(url) + "/delete", data={"csrf_token": csrf_from(body)})
    assert gone.status_code == 200 and "Everything is deleted" in gone.get_data(as_text=True)
    db.session.expire_all()
    left = list(db.session.scalars(select(StatusSubscriber.email)))
    assert left == ["someone-else@example.com"]
    assert _count(StatusNotification) == 0
    entry = db.session.scalars(select(AuditLog).where(AuditLog.action == "status.subscriber_data_deleted")).one()
    assert entry.details == {"subscriptions": 2, "deliveries": 2} and entry.actor_id is None
    assert "reader@example.com" not in json.dumps(entry.details)

    after = stranger.get(_path(url)).get_data(as_text=True)
    assert "We hold nothing about this address any more" in after
    assert stranger.get(_path(url) + "/data.json").status_code == 404


def test_a_tampered_or_foreign_link_shows_nothing(app, client, smtp, subscribe):
    url = link_in(subscribe(client, email="reader@example.com"), MANAGE)
    token = url.rsplit("/", 1)[1]
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.get(f"/status/subscriptions/manage/{tampered}").status_code == 404
    # a link for another id, signed with another key's secret, is not ours either
    assert client.get("/status/subscriptions/manage/WzEsImFiYyJd.abc").status_code == 404
    row = db.session.scalars(select(StatusSubscriber)).one()
    row.email = "changed@example.com"  # the address behind the id changed: the old link opens nothing
    db.session.commit()
    assert client.get(_path(url)).status_code == 404
    assert re.search(r"manage/[A-Za-z0-9_.-]+$", url)
