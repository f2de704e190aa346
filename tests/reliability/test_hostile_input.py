"""Hostile input on every POST endpoint: a clear 4xx JSON error (never a 5xx, never HTML under /api/),
and a refused request changes nothing.

The endpoints are read from the app's URL map, so an endpoint added later is fuzzed too. The
deterministic cases first are the ones that answered 500 on the issue-14 probe.
"""
from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.extensions import db
from app.models import AuditLog, DsarExport, SlaCreditRequest
from tests.test_dsar.helpers import add_export
from tests.test_sla.conftest import Signed, make_subscription

HOSTILE_STRINGS = [
    "\x00", "a\x00b", "\ud800", "x\udfffy", "²", "٣", "１２", "-0", "1e400", "NaN", "9" * 5000,
    "0001-01-01", "9999-12-31", "9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00-14:00",
    "2026-02-30", "x" * 70_000, "", " ", "<script>alert(1)</script>", "' OR 1=1 --",
]
HOSTILE_NUMBERS = [2**31, 2**31 - 1, -(2**31) - 1, 2**63, -(2**63), 10**40, 0, -1, 1.5, 1e308]
FIELDS = ["email", "password", "reason", "subscription_id", "period_start", "period_end",
          "claimed_downtime_minutes", "description", "status", "credit_amount", "notes", "stripe_ref",
          "create_credit_note", "title", "impact", "components", "message", "starts_at", "ends_at",
          "webhook_url", "name", "next", "credit_method"]
RAW_BODIES = [b"[" * 100_000, b"{\"a\":" * 50_000, b"\xff\xfe\x00", b"{\"a\": NaN}", b"{\"a\": 1e400}",
              b"[1, 2, 3]", b"\"just a string\"", b"42", b"null", b"{\"email\": \"\\ud800\"}",
              b"{\"reason\": \"a\\u0000b\"}", b"{", b"{\"credit_amount\": " + b"9" * 5000 + b"}"]
ID_VALUES = ["1", "0", str(2**31 - 1), str(2**31), str(2**63), "1" + "0" * 30]

leaf = st.one_of(st.sampled_from(HOSTILE_STRINGS), st.sampled_from(HOSTILE_NUMBERS), st.none(), st.booleans(),
                 st.text(max_size=40), st.integers())
value = st.recursive(leaf, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                   st.dictionaries(st.sampled_from(FIELDS), inner, max_size=3)),
                     max_leaves=6)
body = st.one_of(st.dictionaries(st.sampled_from(FIELDS), value, max_size=6), st.lists(value, max_size=3), leaf)


def post_rules(app) -> list[str]:
    """Every POST route of the app, as a template with <param> placeholders."""
    rules = sorted({r.rule for r in app.url_map.iter_rules() if "POST" in r.methods})
    return [r for r in rules if not r.startswith("/admin/rq") and r != "/api/auth/logout"]


def fill(rule: str, ident: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?[a-z_]+>", ident, rule)


def state() -> tuple:
    """Row counts a refused request must leave alone (failed sign-ins may be audited: not counted)."""
    db.session.expire_all()
    audit = db.session.query(AuditLog).filter(~AuditLog.action.like("auth.%")).count()
    return (audit, *(db.session.query(model).count() for model in (DsarExport, SlaCreditRequest)))


def assert_clear_refusal(res, path: str, before: tuple) -> None:
    assert res.status_code < 500, (path, res.status_code, res.get_data()[:300])
    if path.startswith("/api/"):
        assert res.is_json, (path, res.status_code, res.get_data()[:300])
        if res.status_code >= 400:
            payload = res.get_json()
            assert payload["ok"] is False and payload["error"] and payload["message"], payload
    if res.status_code >= 400:
        assert state() == before, (path, res.status_code, "a refused request changed data")


@pytest.fixture
def world(app, login, make_user, monkeypatch):
    """An admin and a user with a subscription, a ready export and a pending claim (so id 1 exists)."""
    monkeypatch.setitem(app.config, "LOGIN_FAILURES_PER_CLIENT", "100000 per minute")
    monkeypatch.setitem(app.config, "LOGIN_FAILURES_PER_ACCOUNT", "100000 per minute")
    owner = make_user("owner@example.com", "owner-password")
    admin = make_user("staff@example.com", "staff-password", is_admin=True)
    sub = make_subscription(owner)
    export = add_export(owner.id, "ready")
    db.session.commit()
    return {"admin": Signed(app, login, admin), "owner": Signed(app, login, owner), "sub": sub, "export": export.id}


# --- the 500s of the probe, one by one --------------------------------------------------------

@pytest.mark.parametrize("raw", RAW_BODIES, ids=lambda b: repr(b[:20]))
def test_raw_hostile_bodies_get_a_json_4xx_on_every_post(app, world, raw):
    for rule in post_rules(app):
        path = fill(rule, "1")
        who = world["owner"] if "/admin" not in path else world["admin"]
        before = state()
        res = who.post(path, data=raw, content_type="application/json")
        assert_clear_refusal(res, path, before)
        if rule.startswith("/api/") and raw.startswith((b"[[", b"{\"a\":{")):
            assert res.status_code == 400 and res.get_json()["error"] == "too_deep"


@pytest.mark.parametrize("ident", ID_VALUES[3:])
def test_ids_beyond_the_integer_column_are_404_not_500(app, world, ident):
    for rule in post_rules(app):
        if "<" not in rule:
            continue
        path = fill(rule, ident)
        before = state()
        fields = {"reason": "x", "status": "rejected", "notes": "n"}
        res = world["admin"].post(path, json=fields) if path.startswith("/api/") else \
            world["admin"].post(path, data=fields)
        assert res.status_code == 404, (path, res.status_code)
        assert_clear_refusal(res, path, before)


def test_a_json_array_on_invalidate_is_a_400_and_the_link_still_works(world):
    url = f"/api/admin/dsar/exports/{world['export']}/invalidate"
    res = world["admin"].post(url, json=["reason"])
    assert res.status_code == 400 and res.get_json()["error"] == "bad_request"
    assert db.session.get(DsarExport, world["export"]).status == "ready"


def test_an_invalidate_reason_is_bounded_and_nothing_changes(world):
    url = f"/api/admin/dsar/exports/{world['export']}/invalidate"
    res = world["admin"].post(url, json={"reason": "x" * 5_000_000})
    assert res.status_code == 413 and res.get_json()["error"] == "too_large"
    res = world["admin"].post(url, json={"reason": "x" * 2001})
    assert res.status_code == 422 and res.get_json()["fields"] == {"reason": "At most 2000 characters."}
    db.session.expire_all()
    assert db.session.get(DsarExport, world["export"]).status == "ready"
    res = world["admin"].post(url, json={"reason": "leaked link"})
    assert res.status_code == 200 and res.get_json()["export"]["status"] == "invalidated"


@pytest.mark.parametrize("email", ["a\x00@example.com", "\ud800@example.com"])
def test_nul_and_lone_surrogates_in_login_are_422(client, email):
    res = client.post("/api/auth/login", data=json.dumps({"email": email, "password": "x"}),
                      content_type="application/json")
    assert res.status_code == 422 and res.get_json()["fields"] == {"email": res.get_json()["fields"]["email"]}


@pytest.mark.parametrize("number", ["²", "٣", "１", "3.0.0", "+-3"])
def test_non_ascii_digits_never_become_a_credit(world, number):
    claim = _pending_claim(world)
    res = world["admin"].post(f"/api/admin/sla-credit/{claim.id}/decision",
                              json={"status": "approved", "credit_amount": number, "notes": "ok"})
    assert res.status_code == 422 and "credit_amount" in res.get_json()["fields"]
    db.session.expire_all()
    assert db.session.get(SlaCreditRequest, claim.id).status == "pending"


@pytest.mark.parametrize("when", ["0001-01-01", "9999-12-31", "9999-12-31T23:59:59", "1969-12-31T00:00:00Z"])
def test_dates_at_the_edge_of_the_range_are_422(world, when):
    sub = world["sub"]
    res = world["owner"].post("/api/support/sla-credit", json={
        "subscription_id": sub.id, "period_start": when, "period_end": when, "claimed_downtime_minutes": 1,
        "description": "edge"})
    assert res.status_code == 422 and {"period_start", "period_end"} & set(res.get_json()["fields"])


@pytest.mark.parametrize("args", ["date_from=0001-01-01", "date_to=9999-12-31", "page=٣", "per_page=²",
                                  "email=a%00b@x", "page=" + "9" * 50])
def test_hostile_list_filters_are_422(world, args):
    for url in ("/api/admin/dsar/exports", "/api/admin/sla-credit"):
        res = world["admin"].get(f"{url}?{args}")
        assert res.status_code == 422, (url, args, res.status_code)


def test_a_100_kb_csrf_header_is_a_json_400(world):
    res = world["owner"].post("/api/dsar/export", headers={"X-CSRFToken": "a" * 100_000})
    assert res.status_code == 400 and res.get_json()["error"] == "csrf_failed"
    assert db.session.query(DsarExport).count() == 1


def test_hostile_form_fields_on_the_signin_page_are_a_4xx_page(client):
    res = client.post("/signin", data={"email": "a\x00@example.com", "password": "x"})
    assert 400 <= res.status_code < 500 and b"<html" in res.data.lower()


# --- generated ---------------------------------------------------------------------------------

@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_generated_hostile_json_never_gets_a_5xx(app, world, data):
    rule = data.draw(st.sampled_from(post_rules(app)), label="rule")
    path = fill(rule, data.draw(st.sampled_from(ID_VALUES), label="id"))
    payload = data.draw(body, label="body")
    who = world["admin"] if data.draw(st.booleans(), label="as_admin") else world["owner"]
    before = state()
    res = who.post(path, data=json.dumps(payload), content_type="application/json")
    assert_clear_refusal(res, path, before)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_generated_hostile_forms_never_get_a_5xx(app, world, data):
    rule = data.draw(st.sampled_from(post_rules(app)), label="rule")
    path = fill(rule, data.draw(st.sampled_from(ID_VALUES), label="id"))
    form = data.draw(st.dictionaries(st.sampled_from(FIELDS), st.sampled_from(HOSTILE_STRINGS) | st.text(max_size=30),
                                     max_size=6), label="form")
    # Raw bytes as a browser could send them, lone surrogates included (encoded as invalid UTF-8).
    raw = "&".join(f"{k}={quote(v.encode('utf-8', 'surrogatepass'))}" for k, v in form.items())
    before = state()
    res = world["admin"].post(path, data=raw, content_type="application/x-www-form-urlencoded")
    assert_clear_refusal(res, path, before)


def _pending_claim(world) -> SlaCreditRequest:
    from datetime import timedelta

    from app.models.types import utcnow

    end = utcnow().replace(second=0, microsecond=0) - timedelta(days=2)
    sub = world["sub"]
    res = world["owner"].post("/api/support/sla-credit", json={
        "subscription_id": sub.id, "period_start": (end - timedelta(hours=1)).isoformat(),
        "period_end": end.isoformat(), "claimed_downtime_minutes": 30, "description": "down"})
    assert res.status_code == 201, res.get_json()
    return db.session.query(SlaCreditRequest).order_by(SlaCreditRequest.id.desc()).first()


@pytest.mark.parametrize("ident", ["2147483648", "9223372036854775808", "1" + "0" * 30, "٣", "-1"])
def test_admin_console_ids_beyond_the_column_are_a_4xx(world, ident):
    admin = world["admin"]
    for url in (f"/admin/users/edit/?id={ident}", f"/admin/dsar/details/?id={ident}",
                f"/admin/incidents/edit/?id={ident}", f"/admin/audit/details/?id={ident}",
                f"/admin/users/?page={ident}", f"/admin/dsar/?page={ident}", f"/admin/audit/?page={ident}",
                f"/admin/sla-credits/?page={ident}", f"/admin/dsar/?page_size={ident}"):
        res = admin.get(url)
        assert res.status_code < 500, (url, res.status_code)
    before = state()
    for url in ("/admin/dsar/action/", "/admin/users/action/", "/admin/incidents/action/"):
        for action in ("invalidate", "resend", "delete"):
            res = admin.post(url, data={"action": action, "rowid": ident, "url": "/admin/"})
            assert res.status_code < 500, (url, action, res.status_code)
    assert state() == before
