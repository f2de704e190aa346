"""The subscribe throttle is one allowance per client for the API and the form together (README:
"10 an hour per client across both"), not one each."""
from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import StatusSubscriber
from tests.test_subscriptions.conftest import csrf_from


def test_api_and_form_requests_share_one_allowance_per_client(client, configure, smtp):
    configure(STATUS_SUBSCRIBE_PER_CLIENT="4 per hour")
    for n in range(2):
        assert client.post("/api/status/subscribers", json={"email": f"api{n}@example.com"}).status_code == 202
    token = csrf_from(client.get("/status/subscribe").get_data(as_text=True))
    for n in range(2):
        res = client.post("/status/subscribe", data={"csrf_token": token, "email": f"form{n}@example.com"})
        assert res.status_code == 200, n
    # The allowance is spent, whichever door is tried next.
    form = client.post("/status/subscribe", data={"csrf_token": token, "email": "form9@example.com"})
    api = client.post("/api/status/subscribers", json={"email": "api9@example.com"})
    assert form.status_code == 429 and api.status_code == 429
    assert api.get_json()["error"] == "rate_limited" and int(api.headers["Retry-After"]) > 0
    assert db.session.scalar(select(func.count()).select_from(StatusSubscriber)) == 4
