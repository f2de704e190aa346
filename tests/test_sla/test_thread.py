"""The thread on a claim (issue 21, point 2): customer and staff write on the claim, each message emails the
other side (the customer; the staff member who decided, else SUPPORT_EMAIL), the thread shows in the claim
on both sides and in the audit log, and bad input changes nothing."""
from __future__ import annotations

from app.extensions import db
from app.models import AuditLog, SlaClaimMessage
from tests.support.services import mail_parts
from tests.test_sla.conftest import Signed, payload


def _claim(owner, sub, window):
    res = owner.post("/api/support/sla-credit", json=payload(sub, *window))
    assert res.status_code == 201, res.get_json()
    return res.get_json()["request"]["id"]


def _say(signed, url, body):
    return signed.post(url, json={"body": body})


def test_messages_go_to_the_other_side_and_show_on_the_claim(app, login, user, admin, sub, window, smtp,
                                                             drain_queues, configure):
    configure(SUPPORT_EMAIL="support-desk@levqor.example")
    owner, staff = Signed(app, login, user), Signed(app, login, admin)
    claim_id = _claim(owner, sub, window)
    mine, theirs = f"/api/support/sla-credit/{claim_id}/messages", f"/api/admin/sla-credit/{claim_id}/messages"

    res = _say(owner, mine, "Is anyone looking at this?")
    assert res.status_code == 201, res.get_json()
    assert res.get_json()["message"]["from"] == "customer"
    drain_queues()
    [first] = smtp.wait_for(1)
    assert first["to"] == ["support-desk@levqor.example"]  # nobody decided yet
    assert "Is anyone looking at this?" in mail_parts(first["message"])[0]

    staff.post(f"/api/admin/sla-credit/{claim_id}/decision", json={"status": "rejected", "notes": "No outage."})
    assert _say(staff, theirs, "We found no outage in our checks; send us your logs.").status_code == 201
    assert _say(owner, mine, "Logs attached to my dispute.").status_code == 201
    drain_queues()
    mails = smtp.wait_for(4)  # + the decision email
    to_customer = next(m for m in mails if m["subject"] == f"New message on your SLA claim SLA-{claim_id:06d}")
    assert to_customer["to"] == [user.email]
    text, html = mail_parts(to_customer["message"])
    assert "send us your logs" in text and "send us your logs" in html and "/sla-credits" in text
    to_decider = [m for m in mails if m["subject"] == f"Customer message on SLA-{claim_id:06d}"][-1]
    assert to_decider["to"] == [admin.email]  # the staff member who decided the claim

    thread = [(m["from"], m["body"]) for m in next(
        r for r in owner.get("/api/support/sla-credit").get_json()["requests"] if r["id"] == claim_id)["messages"]]
    assert thread == [("customer", "Is anyone looking at this?"),
                      ("support", "We found no outage in our checks; send us your logs."),
                      ("customer", "Logs attached to my dispute.")]
    staff_view = staff.get(f"/api/admin/sla-credit/{claim_id}").get_json()["request"]["messages"]
    assert [m["body"] for m in staff_view] == [body for _, body in thread]
    assert "admin@example.com" not in str(thread)  # staff write as "support"
    audits = db.session.query(AuditLog).filter_by(action="sla.message_posted").order_by(AuditLog.id).all()
    assert [a.details["from"] for a in audits] == ["customer", "support", "customer"]
    assert {a.target_user_id for a in audits} == {user.id}
    db.session.expire_all()
    assert all(m.emailed_at is not None for m in db.session.query(SlaClaimMessage))


def test_bad_messages_are_refused_per_field_and_change_nothing(app, login, user, admin, sub, window, make_user):
    owner, staff = Signed(app, login, user), Signed(app, login, admin)
    claim_id = _claim(owner, sub, window)
    for body in ("", "   ", "x" * 5001, 7, ["a"], "nul\x00"):
        for signed, side in ((owner, "support"), (staff, "admin")):
            res = signed.post(f"/api/{side}/sla-credit/{claim_id}/messages", json={"body": body})
            assert res.status_code == 422 and "body" in res.get_json()["fields"], (body, res.get_json())
    assert owner.post(f"/api/support/sla-credit/{claim_id}/messages", data="body=hi",
                      content_type="application/x-www-form-urlencoded").status_code == 400
    # Without the CSRF token nothing is posted either.
    assert owner.client.post(f"/api/support/sla-credit/{claim_id}/messages", json={"body": "hi"}).status_code in (
        400, 403)
    # Only the owner (and staff) write on a claim; the customer API refuses staff-only claims of others.
    stranger = Signed(app, login, make_user("stranger@example.com"))
    assert stranger.post(f"/api/support/sla-credit/{claim_id}/messages", json={"body": "hi"}).status_code == 404
    assert stranger.post(f"/api/admin/sla-credit/{claim_id}/messages", json={"body": "hi"}).status_code == 403
    assert owner.post("/api/support/sla-credit/999999/messages", json={"body": "hi"}).status_code == 404
    assert db.session.query(SlaClaimMessage).count() == 0
    assert db.session.query(AuditLog).filter_by(action="sla.message_posted").count() == 0
