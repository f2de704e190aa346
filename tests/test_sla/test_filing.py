"""Filing claims: the happy paths, and every refusal leaves no row, no audit entry and no stored file."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest

from app.extensions import db
from app.models import AuditLog, SlaCreditRequest
from app.models.types import utcnow
from tests.test_sla.conftest import Signed, counts, make_subscription, payload

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def post(client, token, data, files=None):
    if files is None:
        return client.post("/api/support/sla-credit", json=data, headers={"X-CSRFToken": token})
    form = {**{k: str(v) for k, v in data.items()}, **files}
    return client.post("/api/support/sla-credit", data=form, headers={"X-CSRFToken": token},
                       content_type="multipart/form-data")


def test_json_claim_gets_a_ticket_id_and_is_listed(client, login, user, sub, window):
    token = login(user)
    res = post(client, token, payload(sub, *window, minutes=45))
    assert res.status_code == 201, res.get_json()
    body = res.get_json()
    claim = db.session.get(SlaCreditRequest, body["request"]["id"])
    assert body["ok"] is True and body["ticket_id"] == f"SLA-{claim.id:06d}"
    assert claim.status == "pending" and claim.plan == "pro" and claim.currency == "USD"
    assert claim.claimed_downtime_minutes == 45 and claim.computation["period_minutes"] == 30 * 1440
    audit = db.session.query(AuditLog).filter_by(action="sla.filed").one()
    assert audit.actor_id == user.id and audit.target_id == str(claim.id)

    listed = client.get("/api/support/sla-credit").get_json()
    assert [r["ticket_id"] for r in listed["requests"]] == [body["ticket_id"]]
    assert listed["requests"][0]["status"] == "pending" and "computation" not in listed["requests"][0]


def test_multipart_claim_with_log_attachment_is_stored_under_an_unguessable_key(client, login, user, sub, window, app):
    token = login(user)
    before = counts(app)
    res = post(client, token, payload(sub, *window),
               {"attachment": (io.BytesIO(b"12:00 GET /api 503\n"), "../../etc/api errors.log")})
    assert res.status_code == 201, res.get_json()
    claim = db.session.get(SlaCreditRequest, res.get_json()["request"]["id"])
    assert claim.attachment_name == "etc_api_errors.log"
    prefix, token_part, name = claim.attachment_key.split("/")
    assert prefix == "sla" and len(token_part) >= 32 and name == "etc_api_errors.log"
    assert counts(app)["files"] == before["files"] + 1


def test_a_rejected_claim_can_be_disputed_with_a_new_claim(client, login, user, sub, window):
    token = login(user)
    assert post(client, token, payload(sub, *window)).status_code == 201
    db.session.query(SlaCreditRequest).update({"status": "rejected", "notes": "no outage seen"})
    db.session.commit()
    assert post(client, token, payload(sub, *window)).status_code == 201


def _cases(now):
    start = now - timedelta(days=3)
    end = start + timedelta(hours=2)
    return {
        "end before start": ({"period_start": end.isoformat(), "period_end": start.isoformat()}, 422, "period_end"),
        "same start and end": ({"period_end": start.isoformat()}, 422, "period_end"),
        "ends in the future": ({"period_end": (now + timedelta(hours=1)).isoformat()}, 422, "period_end"),
        "not a date": ({"period_start": "yesterday-ish"}, 422, "period_start"),
        "filed too late": ({"period_start": (now - timedelta(days=35)).isoformat(),
                            "period_end": (now - timedelta(days=31)).isoformat()}, 422, "period_end"),
        "before the subscription": ({"period_start": (now - timedelta(days=50)).isoformat(),
                                     "period_end": (now - timedelta(days=29)).isoformat()}, 422, "period_start"),
        "negative minutes": ({"claimed_downtime_minutes": -1}, 422, "claimed_downtime_minutes"),
        "fractional minutes": ({"claimed_downtime_minutes": 1.5}, 422, "claimed_downtime_minutes"),
        "minutes as text": ({"claimed_downtime_minutes": "lots"}, 422, "claimed_downtime_minutes"),
        "more minutes than the period": ({"claimed_downtime_minutes": 121}, 422, "claimed_downtime_minutes"),
        "no description": ({"description": "   "}, 422, "description"),
        "description too long": ({"description": "x" * 5001}, 422, "description"),
        "no subscription": ({"subscription_id": None}, 422, "subscription_id"),
        "unknown subscription": ({"subscription_id": 987654}, 404, "subscription_id"),
        "subscription id beyond any integer column": ({"subscription_id": 10**20}, 422, "subscription_id"),
        "subscription id as a list": ({"subscription_id": [1]}, 422, "subscription_id"),
        "only a NUL in the description": ({"description": "\x00"}, 422, "description"),
    }


@pytest.mark.parametrize("case", list(_cases(utcnow())))
def test_each_invalid_claim_is_refused_and_changes_nothing(client, login, user, sub, app, case, configure):
    if case == "filed too late":  # the billing period holding it (ended 10 days ago) closed 5 days after its end
        configure(SLA_FILING_DAYS=5)
    token = login(user)
    changes, status, field = _cases(utcnow())[case]
    start = utcnow() - timedelta(days=3)
    data = {**payload(sub, start, start + timedelta(hours=2)), **changes}
    before = counts(app)
    res = post(client, token, data)
    assert res.status_code == status, res.get_json()
    body = res.get_json()
    assert body["ok"] is False and field in body["fields"]
    assert counts(app) == before


def test_someone_elses_subscription_is_404_and_changes_nothing(client, login, user, make_user, app, window):
    other_sub = make_subscription(make_user("other@example.com"))
    token = login(user)
    before = counts(app)
    res = post(client, token, payload(other_sub, *window))
    assert res.status_code == 404 and res.get_json()["error"] == "not_found"
    assert counts(app) == before


def test_inactive_subscription_is_refused(client, login, user, app, window):
    canceled = make_subscription(user, status="canceled")
    token = login(user)
    before = counts(app)
    res = post(client, token, payload(canceled, *window))
    assert res.status_code == 422 and "canceled" in res.get_json()["fields"]["subscription_id"]
    assert counts(app) == before


def test_overlapping_claim_is_409_and_changes_nothing(client, login, user, sub, app, window):
    token = login(user)
    first = post(client, token, payload(sub, *window)).get_json()
    before = counts(app)
    start, end = window
    res = post(client, token, payload(sub, start + timedelta(minutes=30), end + timedelta(minutes=30)),
               {"attachment": (io.BytesIO(b"evidence"), "log.txt")})
    assert res.status_code == 409
    assert res.get_json()["error"] == "overlapping_claim" and res.get_json()["ticket_id"] == first["ticket_id"]
    assert counts(app) == before


BAD_FILES = {
    "too large": ((b"a" * (5 * 1024 * 1024 + 1)), "big.txt", 413),
    "larger than any request body": ((b"a" * (7 * 1024 * 1024)), "huge.txt", 413),
    "exe by name": (b"MZ\x90\x00", "tool.exe", 422),
    "png that is not a png": (b"GIF89a....", "shot.png", 422),
    "pdf that is not a pdf": (b"hello", "report.pdf", 422),
    "jpg that is not a jpg": (PNG, "photo.jpg", 422),
    "binary log": (b"\xff\xfe\x00\x01\x02", "api.log", 422),
    "json that does not parse": (b"{not json", "events.json", 422),
    "empty file": (b"", "empty.csv", 422),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_attachments_are_refused_and_change_nothing(client, login, user, sub, app, window, case):
    content, name, status = BAD_FILES[case]
    token = login(user)
    before = counts(app)
    res = post(client, token, payload(sub, *window), {"attachment": (io.BytesIO(content), name)})
    assert res.status_code == status, res.get_json()
    assert res.get_json()["ok"] is False
    if res.status_code != 413 or len(content) <= app.config["MAX_CONTENT_LENGTH"]:
        assert "attachment" in res.get_json()["fields"]
    assert counts(app) == before


@pytest.mark.parametrize("content,name", [(PNG, "screenshot.png"), (b"%PDF-1.7\n...", "report.pdf"),
                                          (b"\xff\xd8\xff\xe0JFIF", "photo.jpg"), (b'{"errors": 12}', "x.json"),
                                          (b"ts,status\n1,503\n", "errors.csv")])
def test_each_allowed_type_is_accepted_by_content(client, login, user, sub, window, content, name):
    token = login(user)
    res = post(client, token, payload(sub, *window), {"attachment": (io.BytesIO(content), name)})
    assert res.status_code == 201, res.get_json()


def test_without_csrf_or_session_nothing_is_filed(client, login, user, sub, app, window):
    before = counts(app)
    anon_token = client.get("/api/auth/csrf").get_json()["csrf_token"]
    res = client.post("/api/support/sla-credit", json=payload(sub, *window), headers={"X-CSRFToken": anon_token})
    assert res.status_code == 401
    login(user)
    res = client.post("/api/support/sla-credit", json=payload(sub, *window))
    assert res.status_code == 400 and res.get_json()["error"] == "csrf_failed"
    assert counts(app) == before


def test_users_only_see_their_own_claims(client, login, user, make_user, sub, window, app):
    token = login(user)
    assert post(client, token, payload(sub, *window)).status_code == 201
    other = make_user("nosy@example.com")
    make_subscription(other)
    nosy = Signed(app, login, other)
    assert nosy.get("/api/support/sla-credit").get_json()["requests"] == []
    assert nosy.get("/api/admin/sla-credit").status_code == 403
    assert "SLA-" not in nosy.get("/sla-credits").get_data(as_text=True)


@pytest.mark.committed
@pytest.mark.server_only
def test_concurrent_filings_for_one_period_create_exactly_one_claim(app, login, user, sub, window):
    """PostgreSQL: the subscription row lock makes the overlap check and the insert one step."""
    from concurrent.futures import ThreadPoolExecutor

    from app.extensions import limiter

    clients = []
    for _ in range(8):
        limiter.reset()  # eight sign-ins in a row would trip the login throttle
        clients.append(Signed(app, login, user))
    data = payload(sub, *window)

    def file(signed):
        # Each thread has no app context of its own, so each request gets a fresh one (and a fresh `g`).
        return signed.client.post("/api/support/sla-credit", json=data,
                                  headers={"X-CSRFToken": signed.token}).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = sorted(pool.map(file, clients))
    assert statuses == [201] + [409] * 7
    db.session.expire_all()
    assert db.session.query(SlaCreditRequest).count() == 1


def test_a_nul_character_in_a_pasted_log_is_refused_by_name_not_a_500(client, login, user, sub, window):
    # The strict input layer (issue 14) refuses NUL everywhere rather than silently editing what was sent.
    token = login(user)
    res = post(client, token, payload(sub, *window, description="GET /api 503\x00 again"))
    assert res.status_code == 422, res.get_json()
    assert res.get_json()["fields"] == {"description": "Contains a NUL character."}
    assert db.session.query(SlaCreditRequest).count() == 0
