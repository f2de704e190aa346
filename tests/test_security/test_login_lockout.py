"""Nobody can lock an account's owner out: failed sign-ins from strangers (any number of addresses)
throttle strangers only; a browser that signed in before keeps its own allowance (OWASP's device
cookie), and guessing from that browser is throttled on its cookie. The per-client limit stays."""
from __future__ import annotations

import re

import pytest

from app.models import AuditLog

BAD = {"email": "bob@example.com", "password": "not-bobs-password"}
GOOD = {"email": "bob@example.com", "password": "bobs-password"}


def _from(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


@pytest.fixture(autouse=True)
def small_limits(configure):
    """The shapes of the defaults (10 per account or device, 30 per client), smaller: argon2 is slow."""
    configure(LOGIN_FAILURES_PER_ACCOUNT="4 per 15 minutes", LOGIN_FAILURES_PER_DEVICE="4 per 15 minutes",
              LOGIN_FAILURES_PER_CLIENT="12 per 15 minutes")


def _attack(app, times: int = 4) -> None:
    for n in range(times):  # failures for bob@ spread over 3 addresses
        res = _from(app, f"203.0.113.{n % 3 + 1}").post("/api/auth/login", json=BAD)
        assert res.status_code == 401


def test_strangers_failures_do_not_lock_the_owners_known_browser(app, make_user):
    make_user("bob@example.com", "bobs-password", is_admin=True)
    laptop = _from(app, "198.51.100.20")
    assert laptop.post("/api/auth/login", json=GOOD).status_code == 200
    assert laptop.post("/api/auth/logout", headers={"X-CSRFToken": laptop.get("/api/auth/csrf")
                                                    .get_json()["csrf_token"]}).status_code == 200
    _attack(app)
    # A browser that never signed in as Bob is throttled, whatever the password...
    stranger = _from(app, "198.51.100.99")
    res = stranger.post("/api/auth/login", json=GOOD)
    assert res.status_code == 429 and int(res.headers["Retry-After"]) > 0
    # ...but Bob's laptop signs in, through the API and through the form.
    res = laptop.post("/api/auth/login", json=GOOD)
    assert res.status_code == 200, res.get_json()
    assert laptop.get("/api/auth/me").get_json()["user"]["email"] == "bob@example.com"
    phone = _from(app, "198.51.100.21")
    phone.set_cookie("levqor_device", laptop.get_cookie("levqor_device").value)
    page = phone.get("/signin").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    res = phone.post("/signin", data={**GOOD, "csrf_token": token})
    assert res.status_code == 302


def test_the_device_cookie_is_signed_and_bound_to_its_account(app, make_user):
    make_user("bob@example.com", "bobs-password")
    make_user("eve@example.com", "eves-password")
    eve = _from(app, "198.51.100.30")
    res = eve.post("/api/auth/login", json={"email": "eve@example.com", "password": "eves-password"})
    assert res.status_code == 200
    cookie = eve.get_cookie("levqor_device")
    assert cookie.http_only and cookie.same_site == "Lax"
    _attack(app)
    # Eve's own device cookie does not unlock Bob's account, nor does a forged one.
    assert eve.post("/api/auth/login", json=GOOD).status_code == 429
    forged = _from(app, "198.51.100.31")
    forged.set_cookie("levqor_device", cookie.value[:-2] + "xx")
    assert forged.post("/api/auth/login", json=GOOD).status_code == 429


def test_guessing_from_a_known_device_is_throttled_on_that_device(app, make_user):
    make_user("bob@example.com", "bobs-password")
    laptop = _from(app, "198.51.100.40")
    assert laptop.post("/api/auth/login", json=GOOD).status_code == 200
    thief = _from(app, "203.0.113.50")
    thief.set_cookie("levqor_device", laptop.get_cookie("levqor_device").value)
    for _ in range(4):
        assert thief.post("/api/auth/login", json=BAD).status_code == 401
    assert thief.post("/api/auth/login", json=GOOD).status_code == 429
    assert AuditLog.query.filter_by(action="auth.failed").count() == 4
    # The account's bucket for unknown browsers was not spent by the device's failures.
    assert _from(app, "198.51.100.41").post("/api/auth/login", json=GOOD).status_code == 200


def test_the_per_client_limit_still_applies_to_known_devices(app, make_user, configure):
    configure(LOGIN_FAILURES_PER_CLIENT="3 per 15 minutes")  # below the device's allowance
    make_user("bob@example.com", "bobs-password")
    laptop = _from(app, "198.51.100.60")
    assert laptop.post("/api/auth/login", json=GOOD).status_code == 200
    for _ in range(3):
        assert laptop.post("/api/auth/login", json=BAD).status_code == 401
    assert laptop.post("/api/auth/login", json=GOOD).status_code == 429
