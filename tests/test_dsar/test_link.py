"""The download link: only its signed-in owner, only while valid; every download audited."""
import time
from datetime import timedelta

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from app.dsar.exports import TOKEN_SALT
from app.extensions import db
from app.models import AuditLog, DsarExport
from app.models.types import utcnow
from tests.test_dsar.helpers import unzip


@pytest.fixture
def ready_export(client, user, login, smtp, drain_queues):
    """A ready export on local storage (the embedded default), then signed out."""
    res = client.post("/api/dsar/export", headers={"X-CSRFToken": login(user)})
    drain_queues()
    db.session.expire_all()
    export = db.session.get(DsarExport, res.get_json()["job_id"])
    assert export.status == "ready", export.error
    client.post("/api/auth/logout", headers={"X-CSRFToken": client.get("/api/auth/csrf").get_json()["csrf_token"]})
    return export


def _path(url: str) -> str:
    return url.removeprefix("http://localhost")


def test_owner_downloads_the_streamed_file_from_local_storage(client, login, user, ready_export):
    login(user)
    res = client.get(_path(ready_export.download_url))
    assert res.status_code == 200
    assert res.headers["Content-Type"] == "application/zip"
    assert f'filename=levqor-data-export-{ready_export.id}.zip' in res.headers["Content-Disposition"]
    assert "manifest.json" in unzip(res.data)
    client.get(_path(ready_export.download_url)).close()
    assert AuditLog.query.filter_by(action="dsar.downloaded", target_id=str(ready_export.id)).count() == 2


def test_signed_out_visitor_is_sent_to_sign_in_without_the_token_in_the_url(client, ready_export):
    """The token stays out of ?next= (and so out of the sign-in page's URL and logs): it waits in the
    signed session cookie and sign-in continues to the download (tests/test_dsar/test_download_journey.py)."""
    path = _path(ready_export.download_url)
    res = client.get(path)
    assert res.status_code == 302
    assert res.headers["Location"] == "/signin?next=/data-requests/download/continue"


def test_another_user_or_an_admin_gets_404(client, login, make_user, ready_export):
    make_user("other@example.com", "other-password")
    make_user("staff@example.com", "staff-password", is_admin=True)
    for who in ("other@example.com", "staff@example.com"):
        login(who)
        assert client.get(_path(ready_export.download_url)).status_code == 404
    assert AuditLog.query.filter_by(action="dsar.downloaded").count() == 0


def test_a_tampered_token_gets_404(client, login, user, ready_export):
    login(user)
    path = _path(ready_export.download_url)
    token = path.rsplit("/", 1)[1]
    forged = URLSafeTimedSerializer("not-the-secret", salt=TOKEN_SALT).dumps({"e": ready_export.id, "u": user.id})
    for bad in (path[:-2] + ("AA" if not path.endswith("AA") else "BB"), f"/data-requests/download/{forged}",
                f"/data-requests/download/{token}x"):
        assert client.get(bad).status_code == 404


def test_a_link_older_than_seven_days_is_gone(app, client, login, user, ready_export):
    class EightDaysAgo(TimestampSigner):
        def get_timestamp(self):
            return int(time.time()) - 8 * 86400

    old = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=TOKEN_SALT, signer=EightDaysAgo)
    login(user)
    res = client.get(f"/data-requests/download/{old.dumps({'e': ready_export.id, 'u': user.id})}")
    assert res.status_code == 410


@pytest.mark.parametrize("status", ["invalidated", "expired"])
def test_withdrawn_or_expired_export_answers_410(client, login, user, ready_export, status):
    ready_export.status = status
    db.session.commit()
    login(user)
    res = client.get(_path(ready_export.download_url))
    assert res.status_code == 410
    html = res.get_data(as_text=True)
    if status == "invalidated":
        assert "Our support team withdrew this link" in html
    else:
        assert f"This link expired on {ready_export.expires_at:%d %B %Y}" in html
    assert "invalidated" not in html and 'href="/data-requests"' in html


def test_listing_shows_the_link_only_while_it_works(client, login, user, ready_export):
    login(user)
    [row] = client.get("/api/dsar/exports").get_json()["exports"]
    assert row["download_url"] == ready_export.download_url and row["status"] == "ready"
    ready_export.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    [row] = client.get("/api/dsar/exports").get_json()["exports"]
    assert row["download_url"] is None
