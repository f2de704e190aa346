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


def test_favicon_is_served_not_404(client):
    res = client.get("/favicon.ico")
    assert res.status_code == 200 and res.mimetype == "image/vnd.microsoft.icon"
    assert res.data[:4] == b"\x00\x00\x01\x00"  # an ICO header, not an HTML error page
    html = client.get("/").get_data(as_text=True)
    assert 'rel="icon"' in html and client.get("/static/favicon.svg").status_code == 200


def test_toast_region_is_a_polite_live_region(client):
    html = client.get("/pricing").get_data(as_text=True)
    assert '<div id="toast" class="toast" role="status" aria-live="polite" hidden></div>' in html


def _admin_saves_incident(client, admin, login, data, incident_id=None):
    login(admin)
    url = f"/admin/incidents/edit/?id={incident_id}" if incident_id else "/admin/incidents/new/"
    html = client.get(url).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    res = client.post(url, data={"csrf_token": token, **data})
    assert res.status_code == 302, res.get_data(as_text=True)[:500]


def test_one_banner_per_incident_through_a_whole_cycle_and_resolved_ones_never_stack(client, admin, login):
    from datetime import timedelta

    base = {"title": "Queue backlog", "impact": "major", "components": ["workflows"]}
    _admin_saves_incident(client, admin, login, {**base, "status": "investigating", "message": "Looking."})
    incident = Incident.query.filter_by(title="Queue backlog").one()
    for status in ("identified", "monitoring", "resolved"):
        _admin_saves_incident(client, admin, login, {**base, "status": status, "message": f"Now {status}."},
                              incident.id)
    db.session.add(Incident(title="Older resolved blip", status="resolved", impact="minor",
                            started_at=utcnow() - timedelta(hours=5), resolved_at=utcnow() - timedelta(hours=4)))
    db.session.commit()
    html = client.get("/pricing").get_data(as_text=True)
    assert html.count(f'data-incident-id="{incident.id}"') == 1
    assert html.count('class="banner ') == 1  # the newest resolved incident only (issue 23: never stacked)
    assert "Queue backlog" in html and "Older resolved blip" not in html
    assert "Resolved:</strong>" in html and 'class="banner-dismiss"' in html


def test_pricing_shows_what_each_plan_includes_the_sla_and_a_call_to_action(client, user, login):
    html = client.get("/pricing").get_data(as_text=True)
    for code, name in (("starter", "Starter"), ("pro", "Pro"), ("business", "Business")):
        card = html.split(f'id="plan-{code}"', 1)[1].split("</section>", 1)[0]
        assert "99.9 % monthly uptime SLA" in card and 'href="/sla-credits"' in card
        assert card.count("<li>") >= 5  # what the plan includes, not just a price
        assert f"Get started with {name}</a>" in card
    assert "1,000 workflow runs a month" in html and "250,000 workflow runs a month" in html

    from app.models import Subscription

    db.session.add(Subscription(user_id=user.id, plan="pro", status="active", price_amount=4900, currency="USD"))
    db.session.commit()
    login(user)
    html = client.get("/pricing").get_data(as_text=True)
    pro = html.split('id="plan-pro"', 1)[1].split("</section>", 1)[0]
    assert "Your current plan" in pro and "Switch to" not in pro
    assert "Switch to Business</a>" in html


def test_get_started_signs_in_and_returns_to_the_chosen_plan(client, user):
    html = client.get("/pricing").get_data(as_text=True)
    href = re.search(r'href="([^"]+)">Get started with Pro', html).group(1)
    assert href.startswith("/signin?next=")
    signin = client.get(href.replace("&amp;", "&")).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', signin).group(1)
    nxt = re.search(r'name="next" type="hidden" value="([^"]+)"', signin).group(1)
    res = client.post("/signin", data={"csrf_token": token, "next": nxt, "email": "user@example.com",
                                       "password": "user-password"})
    assert res.status_code == 302 and res.headers["Location"] == "/pricing#plan-pro"
