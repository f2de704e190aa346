"""Evidence through moto's S3 server: stored under an unguessable key, downloaded by admins only, audited."""
from __future__ import annotations

import io

from app.extensions import db
from app.models import AuditLog, SlaCreditRequest
from tests.test_sla.conftest import Signed, fresh_csrf, payload

LOG = b"2026-11-22T19:50:00Z GET /api/workflows 503 Service Unavailable\n" * 20


def _file(client, token, sub, window, content=LOG, name="api-errors.log"):
    form = {**{k: str(v) for k, v in payload(sub, *window).items()}, "attachment": (io.BytesIO(content), name)}
    return client.post("/api/support/sla-credit", data=form, headers={"X-CSRFToken": token},
                       content_type="multipart/form-data")


def test_attachment_lands_in_s3_and_admins_download_it_audited(app, client, login, user, admin, sub, window, moto_s3):
    token = login(user)
    res = _file(client, token, sub, window)
    assert res.status_code == 201, res.get_json()
    claim = db.session.get(SlaCreditRequest, res.get_json()["request"]["id"])
    assert moto_s3.keys() == [claim.attachment_key]
    assert moto_s3.get(claim.attachment_key) == LOG
    head = moto_s3.client().head_object(Bucket=moto_s3.bucket, Key=claim.attachment_key)
    assert head["ContentType"] == "text/plain"

    # The owner sees the file name but gets no download route; other signed-in users get 403.
    assert client.get("/api/support/sla-credit").get_json()["requests"][0]["attachment_name"] == "api-errors.log"
    assert client.get(f"/api/admin/sla-credit/{claim.id}/attachment").status_code == 403
    assert client.get(f"/admin/sla-credits/claim/{claim.id}/attachment").status_code == 403

    staff = Signed(app, login, admin)
    for url in (f"/api/admin/sla-credit/{claim.id}/attachment", f"/admin/sla-credits/claim/{claim.id}/attachment"):
        got = staff.get(url)
        assert got.status_code == 200 and got.data == LOG
        assert got.headers["Content-Disposition"].startswith("attachment")
        assert "api-errors.log" in got.headers["Content-Disposition"]
        assert got.headers["X-Content-Type-Options"] == "nosniff"
    audits = db.session.query(AuditLog).filter_by(action="sla.attachment_downloaded").all()
    assert len(audits) == 2 and {a.actor_id for a in audits} == {admin.id}
    assert audits[0].target_user_id == user.id and audits[0].details["ticket_id"] == claim.ticket_id


def test_refused_claims_leave_no_object_in_s3(client, login, user, sub, window, moto_s3):
    token = login(user)
    assert _file(client, token, sub, window).status_code == 201
    keys = moto_s3.keys()
    # Overlapping claim with a valid file, and a fake PNG: neither may leave anything behind.
    assert _file(client, token, sub, window).status_code == 409
    assert _file(client, token, sub, window, b"not a png", "x.png").status_code == 422
    assert moto_s3.keys() == keys


def test_anonymous_download_goes_to_sign_in(client, login, user, sub, window, moto_s3):
    token = login(user)
    claim_id = _file(client, token, sub, window).get_json()["request"]["id"]
    client.post("/api/auth/logout", headers={"X-CSRFToken": token})
    fresh_csrf()
    res = client.get(f"/admin/sla-credits/claim/{claim_id}/attachment")
    assert res.status_code == 302 and "/signin" in res.headers["Location"]
    assert client.get(f"/api/admin/sla-credit/{claim_id}/attachment").status_code == 401
