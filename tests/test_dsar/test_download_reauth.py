"""A download needs a recent sign-in (issue 25.4): a session whose password was last checked more than
DSAR_REAUTH_MINUTES ago is asked for it again before the archive streams, then continues to the download."""
import re
import time

from app.auth import SIGNED_IN_AT
from app.extensions import db
from app.models import AuditLog
from tests.test_dsar.helpers import unzip
from tests.test_dsar.test_link import _path, ready_export  # noqa: F401  (the fixture)

CONFIRM = "/data-requests/download/confirm"


def _signed_in_minutes_ago(client, minutes: float) -> None:
    """Move this session's sign-in back in time (the clock of a real session, not a flag)."""
    with client.session_transaction() as sess:
        sess[SIGNED_IN_AT] = int(time.time() - minutes * 60)


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_an_old_sign_in_asks_for_the_password_then_continues_to_the_download(app, client, login, user,
                                                                             ready_export):  # noqa: F811
    login(user)
    _signed_in_minutes_ago(client, app.config["DSAR_REAUTH_MINUTES"] + 1)
    path = _path(ready_export.download_url)
    res = client.get(path)
    assert res.status_code == 302 and res.headers["Location"] == CONFIRM  # no archive yet, no token in the URL
    page = client.get(CONFIRM).get_data(as_text=True)
    assert "Confirm it is you" in page and "enter your password again" in page
    assert path not in page

    wrong = client.post(CONFIRM, data={"csrf_token": _csrf(page), "password": "not-it"})
    assert wrong.status_code == 401 and "That password is not right." in wrong.get_data(as_text=True)
    assert wrong.headers.get("Content-Type", "").startswith("text/html")  # no archive on a wrong password
    db.session.expire_all()
    assert db.session.get(type(ready_export), ready_export.id).downloaded_at is None

    res = client.post(CONFIRM, data={"csrf_token": _csrf(page), "password": "user-password"})
    assert res.status_code == 302 and res.headers["Location"] == "/data-requests/download/continue"
    download = client.get(res.headers["Location"])
    assert download.status_code == 200 and "manifest.json" in unzip(download.data)
    assert db.session.query(AuditLog).filter_by(action="auth.reauthenticated", target_user_id=user.id).count() == 1
    assert client.get(path).status_code == 200  # now recent: the link works at once


def test_a_recent_sign_in_downloads_at_once_and_the_window_is_configurable(app, client, login, user,
                                                                           ready_export):  # noqa: F811
    login(user)
    path = _path(ready_export.download_url)
    _signed_in_minutes_ago(client, 59)
    assert client.get(path).status_code == 200  # within the default 60 minutes
    app.config["DSAR_REAUTH_MINUTES"] = 30
    try:
        assert client.get(path).headers.get("Location") == CONFIRM
    finally:
        app.config["DSAR_REAUTH_MINUTES"] = 60


def test_a_session_without_a_sign_in_time_counts_as_old(client, login, user, ready_export):  # noqa: F811
    login(user)
    with client.session_transaction() as sess:
        sess.pop(SIGNED_IN_AT)  # a cookie issued before the mark existed
    assert client.get(_path(ready_export.download_url)).headers.get("Location") == CONFIRM


def test_the_confirm_page_without_a_pending_download_goes_to_the_data_page(client, login, user):
    login(user)
    res = client.get(CONFIRM)
    assert res.status_code == 302 and res.headers["Location"] == "/data-requests"
    assert client.post(CONFIRM, data={"password": "user-password"}).status_code in (302, 400)


def test_the_default_is_60_minutes(app):
    from config import Config

    assert Config.DSAR_REAUTH_MINUTES == 60
