"""Open redirects: next= after sign-in and Flask-Admin's url= accept only paths of this site."""
import re

import pytest

from app.auth import safe_next
from app.extensions import db
from app.models import User

HOSTILE = ["/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", "//evil.example", "/\\evil.example",
           "/\\/evil.example", "https://evil.example/", "javascript:alert(1)", " /evil", "/%09/evil", "/\x00x",
           "/\u2028/evil.example", "evil.example"]


@pytest.mark.parametrize("target", HOSTILE)
def test_safe_next_refuses_anything_a_browser_could_read_as_another_site(target):
    expected = "/%09/evil" if target == "/%09/evil" else "/"  # an encoded tab stays a harmless path
    assert safe_next(target) == expected


@pytest.mark.parametrize("target", ["/pricing", "/data-requests?x=1", "/admin/users/?sort=1#top"])
def test_safe_next_keeps_paths_of_this_site(target):
    assert safe_next(target) == target


def _signin(client, next_raw):
    """GET the sign-in page with a raw (already URL-encoded) next=, then post the form it renders."""
    page = client.get(f"/signin?next={next_raw}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    hidden = re.search(r'id="next" name="next" type="hidden" value="([^"]*)"', html).group(1)
    return client.post("/signin", data={"email": "user@example.com", "password": "user-password",
                                        "next": hidden, "csrf_token": token})


@pytest.mark.parametrize("next_raw", ["/%09/evil.example", "/%0A/evil.example", "/%0D%0A/evil.example",
                                      "/%5C/evil.example", "%2F%2Fevil.example"])
def test_signin_never_redirects_off_site_whatever_the_encoding(client, user, next_raw):
    res = _signin(client, next_raw)
    assert res.status_code == 302
    assert res.headers["Location"] == "/"


def test_a_newline_in_a_posted_next_is_not_a_500(client, user):
    html = client.get("/signin").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    res = client.post("/signin", data={"email": "user@example.com", "password": "user-password",
                                        "next": "/\n/evil.example", "csrf_token": token})
    assert res.status_code == 302 and res.headers["Location"] == "/"


def test_admin_post_with_an_off_site_return_url_is_refused_and_changes_nothing(client, admin, user, login):
    login(admin)
    html = client.get(f"/admin/users/edit/?id={user.id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    res = client.post(f"/admin/users/edit/?id={user.id}&url=/%09/evil.example",
                      data={"csrf_token": token, "name": "Changed"})
    assert res.status_code == 400
    assert "evil.example" not in res.headers.get("Location", "")
    db.session.expire_all()
    assert db.session.get(User, user.id).name == "User"


def test_admin_get_with_an_off_site_return_url_drops_it(client, admin, user, login):
    login(admin)
    res = client.get(f"/admin/users/edit/?id={user.id}&url=//evil.example")
    assert res.status_code == 302
    assert res.headers["Location"] == f"/admin/users/edit/?id={user.id}"


def test_admin_save_still_returns_to_a_local_url(client, admin, user, login):
    login(admin)
    html = client.get(f"/admin/users/edit/?id={user.id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    res = client.post(f"/admin/users/edit/?id={user.id}&url=/admin/users/%3Fsort%3D1",
                      data={"csrf_token": token, "name": "Changed"})
    assert res.status_code == 302 and res.headers["Location"] == "/admin/users/?sort=1"
