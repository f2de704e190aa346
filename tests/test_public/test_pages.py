import re

from app.extensions import db
from app.models import Incident
from app.models.types import utcnow


def test_public_pages_render_with_navigation(client):
    for path in ("/", "/signin", "/pricing"):
        res = client.get(path)
        assert res.status_code == 200, path
        html = res.get_data(as_text=True)
        for link in ("/data-requests", "/status", "/sla-credits"):
            assert f'href="{link}"' in html, (path, link)


def test_pricing_lists_the_configured_plans(client, app):
    html = client.get("/pricing").get_data(as_text=True)
    for plan in app.config["PLANS"]:
        assert plan["name"] in html
    assert "$49.00" in html


def test_pricing_shows_zero_decimal_currencies_without_a_decimal_part(client, app):
    """¥4,900 is 4,900 yen (JPY has no minor unit), never "JPY 49.00"."""
    saved = app.config["PLANS"]
    app.config["PLANS"] = [{"code": "pro_jp", "name": "Pro Japan", "price_amount": 4900, "currency": "JPY"},
                           {"code": "pro_kr", "name": "Pro Korea", "price_amount": 65000, "currency": "KRW"}]
    try:
        html = client.get("/pricing").get_data(as_text=True)
    finally:
        app.config["PLANS"] = saved
    assert "¥4,900" in html and "₩65,000" in html and "49.00" not in html and "650.00" not in html


def test_nothing_is_loaded_from_another_host(client):
    for path in ("/", "/signin", "/pricing"):
        html = client.get(path).get_data(as_text=True)
        sources = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert sources and all(not s.startswith(("http://", "https://", "//")) for s in sources), sources


def test_banner_slot_shows_open_incidents_on_signin_and_pricing(client):
    db.session.add(Incident(title="Database failover in progress", status="identified", impact="critical",
                            components=["database"], message="Writes are paused."))
    db.session.commit()
    for path in ("/signin", "/pricing"):
        html = client.get(path).get_data(as_text=True)
        assert "Database failover in progress" in html, path


def test_static_assets_are_served_locally(client):
    assert client.get("/static/app.css").status_code == 200
    assert client.get("/static/app.js").status_code == 200


def test_signout_page_requires_a_post_with_csrf(client, user, login):
    login(user)
    assert client.get("/signout").status_code == 200
    client.post("/signout", data={})
    assert client.get("/api/auth/me").status_code == 200  # no token: still signed in
    html = client.get("/signout").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    assert client.post("/signout", data={"csrf_token": token}).status_code == 302
    assert client.get("/api/auth/me").status_code == 401


def test_resolved_incident_banner_disappears_after_a_day(client):
    from datetime import timedelta

    db.session.add(Incident(title="Old resolved thing", status="resolved", impact="minor",
                            started_at=utcnow() - timedelta(days=3), resolved_at=utcnow() - timedelta(hours=25)))
    db.session.commit()
    assert "Old resolved thing" not in client.get("/pricing").get_data(as_text=True)
