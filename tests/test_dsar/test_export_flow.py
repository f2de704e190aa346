"""DSAR export end to end: API → job → ZIP in moto's S3 server → email via aiosmtpd → signed link."""
import hashlib
import json
import re
import urllib.request

import pytest

from app.dsar.exports import READY_SUBJECT
from app.extensions import db
from app.models import AuditLog, DsarExport, User
from tests.support.services import mail_parts
from tests.support.worker import run_flask_worker
from tests.test_dsar.helpers import CANARIES, TRICKY_MESSAGE, assert_no_canaries, seed_history, seed_other_user, unzip


def _prepare(user, make_user):
    user.api_token = CANARIES["api_token"]
    db.session.commit()
    uid = user.id
    counts = seed_history(uid)
    seed_other_user(make_user)
    return uid, counts


def _link_from_mail(message) -> tuple[str, str]:
    text, html = mail_parts(message)
    [html_link] = re.findall(r'<a href="([^"]+)" class="button"', html)
    assert html_link in text
    return html_link, text


def _check_archive(files: dict, counts: dict, uid: int, export_id: int) -> None:
    assert set(files) == {"user.json", "workflows.json", "runs.json", "logs.json", "billing.json", "sla_claims.json",
                          "account_activity.json", "data_requests.json", "status_subscriptions.json", "manifest.json",
                          "README.txt", "index.html"}
    assert_no_canaries(files)
    manifest = json.loads(files["manifest.json"])
    assert manifest["export_id"] == export_id and manifest["schema_version"] == 2 and manifest["generated_at"]
    by_name = {f["name"]: f for f in manifest["files"]}
    for name, info in by_name.items():
        assert hashlib.sha256(files[name]).hexdigest() == info["sha256"], name
    assert by_name["workflows.json"]["records"] == counts["workflows"]
    assert by_name["runs.json"]["records"] == counts["runs"]
    assert by_name["logs.json"]["records"] == counts["logs"]  # sensitive ones left out
    assert by_name["billing.json"]["records"] == 2
    excluded = {e["what"]: e for e in manifest["excluded"]}
    assert {"users.password_hash", "users.api_token", "invoices.payment_details"} <= set(excluded)
    assert excluded["run_logs flagged sensitive"]["count"] == counts["sensitive_logs"]
    user_rows = json.loads(files["user.json"])
    assert [u["id"] for u in user_rows] == [uid]
    workflows = json.loads(files["workflows.json"])
    assert len(workflows) == counts["workflows"]
    assert workflows[0]["definition"]["credentials"] == "[redacted]"
    assert workflows[0]["definition"]["nested"][0] == {"db_password": "[redacted]", "host": "db.example.com"}
    assert workflows[0]["definition"]["steps"][0]["url"] == "https://example.com/hook"
    logs = json.loads(files["logs.json"])
    assert sum("\u2713" in row["message"] for row in logs) == counts["logs"] - counts["runs"]
    assert sum(row["message"] == TRICKY_MESSAGE for row in logs) == counts["runs"]
    assert logs[0]["created_at"].endswith("+00:00")
    billing = json.loads(files["billing.json"])
    assert billing["invoices"][0]["number"] == "LQ-0001" and "payment_details" not in billing["invoices"][0]
    assert billing["subscriptions"][0]["plan"] == "pro"
    readme = files["README.txt"].decode()
    assert "7 days" in readme and "rights" in readme.lower()


def test_request_runs_job_stores_zip_emails_link_and_link_downloads(client, user, make_user, login, moto_s3,
                                                                      smtp, drain_queues):
    uid, counts = _prepare(user, make_user)
    token = login(user)
    res = client.post("/api/dsar/export", headers={"X-CSRFToken": token})
    assert res.status_code == 202, res.get_json()
    export_id = res.get_json()["job_id"]
    export = db.session.get(DsarExport, export_id)
    assert export.status == "pending" and export.user_id == uid
    assert (export.due_at - export.requested_at).days == 30

    drain_queues()

    db.session.expire_all()
    export = db.session.get(DsarExport, export_id)
    assert export.status == "ready", export.error
    assert export.completed_at and (export.expires_at - export.completed_at).days == 7
    assert export.storage_key.startswith(f"dsar/{uid}/") and len(export.storage_key) > len(f"dsar/{uid}/") + 30
    assert moto_s3.keys() == [export.storage_key]
    stored = moto_s3.get(export.storage_key)
    assert export.size_bytes == len(stored)
    _check_archive(unzip(stored), counts, uid, export_id)

    [mail] = smtp.wait_for(1)
    assert mail["subject"] == READY_SUBJECT and mail["to"] == ["user@example.com"]
    link, _ = _link_from_mail(mail["message"])
    assert link == export.download_url and link.startswith("http://localhost/data-requests/download/")
    assert export.emailed_at is not None

    res = client.get(link)
    assert res.status_code == 302
    presigned = res.headers["Location"]
    assert presigned.startswith(moto_s3.endpoint) and "X-Amz-Expires=300" in presigned
    with urllib.request.urlopen(presigned) as fetched:
        assert fetched.read() == stored

    actions = [a.action for a in AuditLog.query.filter(AuditLog.target_user_id == uid,
                                                       AuditLog.action.like("dsar.%")).order_by(AuditLog.id)]
    assert actions == ["dsar.requested", "dsar.started", "dsar.completed", "dsar.emailed", "dsar.downloaded"]

    listing = client.get("/api/dsar/exports").get_json()
    assert listing["exports"][0]["id"] == export_id and listing["exports"][0]["download_url"] == link


@pytest.mark.server_only
@pytest.mark.committed
def test_real_worker_process_builds_the_archive_and_the_emailed_link_works(client, user, make_user, login,
                                                                           moto_s3, smtp, app):
    uid, counts = _prepare(user, make_user)
    token = login(user)
    export_id = client.post("/api/dsar/export", headers={"X-CSRFToken": token}).get_json()["job_id"]

    proc = run_flask_worker(app, "dsar", "mail")

    db.session.expire_all()
    export = db.session.get(DsarExport, export_id)
    assert export.status == "ready", (export.error, proc.stderr[-3000:])
    _check_archive(unzip(moto_s3.get(export.storage_key)), counts, uid, export_id)
    [mail] = smtp.wait_for(1)
    link, _ = _link_from_mail(mail["message"])
    res = client.get(link)
    assert res.status_code == 302
    with urllib.request.urlopen(res.headers["Location"]) as fetched:
        assert unzip(fetched.read())["manifest.json"]
    assert db.session.get(User, uid).email == "user@example.com"
