"""Support staff with real parts: resend received by aiosmtpd, invalidate → 410 and the object gone
from moto's S3 server; and the admin grid driven in Chromium."""
import re

import pytest

from app.extensions import db
from app.models import AuditLog, DsarExport
from tests.support.services import browser_login, mail_parts
from tests.test_dsar.helpers import login_as, request_as

API = "/api/admin/dsar/exports"


def _ready_export(client, login, user, drain_queues) -> DsarExport:
    res = client.post("/api/dsar/export", headers={"X-CSRFToken": login(user)})
    drain_queues()
    db.session.expire_all()
    export = db.session.get(DsarExport, res.get_json()["job_id"])
    assert export.status == "ready", export.error
    return export


def _path(url: str) -> str:
    return url.removeprefix("http://localhost")


def test_resend_emails_a_working_link_and_invalidate_kills_it_and_deletes_the_object(
        app, client, login, user, admin, moto_s3, smtp, drain_queues):
    export = _ready_export(client, login, user, drain_queues)
    assert len(smtp.wait_for(1)) == 1
    staff = app.test_client()
    headers = {"X-CSRFToken": login_as(app, login, admin, staff)}
    res = request_as(app, staff, "post", f"{API}/{export.id}/resend", headers=headers)
    assert res.status_code == 200 and res.get_json()["ok"] is True
    drain_queues()
    first, second = smtp.wait_for(2)
    assert second["subject"] == "Your Levqor data export is ready" and second["to"] == ["user@example.com"]
    _, html = mail_parts(second["message"])
    [link] = re.findall(r'<a href="([^"]+)" class="button"', html)
    # the owner (still signed in on `client`) follows the resent link
    assert request_as(app, client, "get", _path(link)).status_code == 302

    assert moto_s3.keys() == [export.storage_key]
    res = request_as(app, staff, "post", f"{API}/{export.id}/invalidate", headers=headers)
    assert res.status_code == 200 and res.get_json()["export"]["status"] == "invalidated"
    assert moto_s3.keys() == []
    assert request_as(app, client, "get", _path(link)).status_code == 410
    assert request_as(app, staff, "post", f"{API}/{export.id}/invalidate", headers=headers).status_code == 409
    assert request_as(app, staff, "post", f"{API}/{export.id}/resend", headers=headers).status_code == 409
    audit = {a.action: a for a in AuditLog.query.filter(AuditLog.action.in_(["dsar.resent", "dsar.invalidated"]))}
    assert audit["dsar.resent"].actor_id == admin.id and audit["dsar.resent"].target_user_id == user.id
    assert audit["dsar.invalidated"].actor_id == admin.id and audit["dsar.invalidated"].target_user_id == user.id


@pytest.mark.browser
def test_admin_filters_by_email_and_invalidates_and_the_owner_gets_410(
        app, live_server, page, client, login, user, admin, make_user, smtp, drain_queues):
    export = _ready_export(client, login, user, drain_queues)
    link = export.download_url
    other = make_user("other@example.com", "other-password")
    other_client = app.test_client()
    token = login_as(app, login, other, other_client)
    assert request_as(app, other_client, "post", "/api/dsar/export", headers={"X-CSRFToken": token}).status_code == 202

    browser_login(page, live_server, "admin@example.com", "admin-password", "/admin/dsar/")
    assert page.locator("input.action-checkbox").count() == 2
    page.click("text=Add Filter")
    page.click(".field-filters a.filter:text-is('Email')")
    page.fill("table.filters input[name^='flt']", "USER@example.com")
    page.click("#filter_form button[type=submit]")
    page.wait_for_url(re.compile(r".*flt\d+_email_is=USER%40example.com.*"))
    assert page.locator("input.action-checkbox").count() == 1
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("button.invalidate-link")
    page.wait_for_selector("text=the link no longer works")

    db.session.expire_all()
    assert db.session.get(DsarExport, export.id).status == "invalidated"
    # the owner is still signed in on `client`
    assert request_as(app, client, "get", _path(link)).status_code == 410
    views = AuditLog.query.filter_by(action="dsar.admin_view", actor_id=admin.id).all()
    assert any(v.target_user_id == user.id for v in views)
