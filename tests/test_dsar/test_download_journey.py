"""The emailed link without dead ends: signed out → a sign-in page that says why → the download; a
gone link says what happened and when a new export can be asked for; the throttle names every way on."""
import re

from app.extensions import db
from tests.test_dsar.helpers import unzip
from tests.test_dsar.test_link import _path, ready_export  # noqa: F401  (the fixture)


def test_signed_out_click_signs_in_with_the_reason_then_continues_to_the_download(app, user, ready_export):  # noqa: F811
    path = _path(ready_export.download_url)
    browser = app.test_client()
    res = browser.get(path)
    assert res.status_code == 302 and res.headers["Location"] == "/signin?next=/data-requests/download/continue"
    html = browser.get(res.headers["Location"]).get_data(as_text=True)
    assert "Sign in to download your data export" in html
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    assert path not in html  # the token stays out of the sign-in page
    nxt = "/data-requests/download/continue"
    res = browser.post(f"/signin?next={nxt}", data={"csrf_token": token, "email": "user@example.com",
                                                     "password": "user-password", "next": nxt})
    assert res.status_code == 302 and res.headers["Location"] == nxt
    download = browser.get(nxt)
    assert download.status_code == 200 and "manifest.json" in unzip(download.data)
    again = browser.get(nxt)  # used once: a second visit lands on the data page
    assert again.status_code == 302 and again.headers["Location"] == "/data-requests"


def test_a_withdrawn_link_says_so_and_when_a_new_export_can_be_asked(client, login, user, ready_export):  # noqa: F811
    ready_export.downloaded_at = ready_export.completed_at  # it was downloaded once: the throttle applies
    ready_export.status = "invalidated"
    db.session.commit()
    login(user)
    res = client.get(_path(ready_export.download_url))
    html = res.get_data(as_text=True)
    assert res.status_code == 410 and "Our support team withdrew this link" in html
    assert "You can request a new export from" in html and 'href="/data-requests"' in html
    page = client.get("/data-requests").get_data(as_text=True)
    assert "withdrawn by support" in page and ">invalidated<" not in page


def test_the_throttle_names_the_date_an_exception_and_the_supervisory_authority(client, login, user,
                                                                               ready_export):  # noqa: F811
    res = client.post("/api/dsar/export", headers={"X-CSRFToken": login(user)})
    body = res.get_json()
    assert res.status_code == 429 and body["next_allowed_at"]
    assert "your next export can be requested from" in body["message"]
    assert "support team" in body["message"] and "exception" in body["message"]
    assert "supervisory authority" in body["message"] and "Article 77" in body["message"]
