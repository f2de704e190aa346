"""Privilege changes in the admin's user view: audited with before/after; never the last admin, never
one's own admin rights; a demoted admin's sessions end at once."""
import re

from app.extensions import db
from app.models import AuditLog, User


def _edit(client, user_id, **fields):
    html = client.get(f"/admin/users/edit/?id={user_id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    data = {"csrf_token": token, "name": fields.get("name", "")}
    if fields.get("is_admin"):
        data["is_admin"] = "y"
    return client.post(f"/admin/users/edit/?id={user_id}&url=/admin/users/", data=data)


def _audits():
    return db.session.scalars(db.select(AuditLog).where(AuditLog.action == "user.updated")
                              .order_by(AuditLog.id)).all()


def test_promotion_rename_and_demotion_are_audited_with_before_and_after(client, admin, user, login):
    login(admin)
    assert _edit(client, user.id, name="Ursula", is_admin=True).status_code == 302
    assert _edit(client, user.id, name="Ursula", is_admin=False).status_code == 302
    promoted, demoted = _audits()
    assert (promoted.actor_id, promoted.target_user_id) == (admin.id, user.id)
    assert promoted.details["changes"] == {"name": {"before": "User", "after": "Ursula"},
                                           "is_admin": {"before": False, "after": True}}
    assert demoted.details["changes"] == {"is_admin": {"before": True, "after": False}}
    db.session.refresh(user)
    assert user.is_admin is False and user.name == "Ursula"


def test_an_edit_that_changes_nothing_writes_no_audit_row(client, admin, user, login):
    login(admin)
    assert _edit(client, user.id, name=user.name).status_code == 302
    assert _audits() == []


def test_staff_cannot_remove_their_own_admin_rights(client, admin, make_user, login):
    make_user("second@example.com", "second-password", is_admin=True)
    login(admin)
    res = _edit(client, admin.id, name=admin.name, is_admin=False)
    assert res.status_code == 200
    assert "cannot remove your own admin rights" in res.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, admin.id).is_admin is True
    assert _audits() == []


def test_the_last_admin_cannot_be_demoted(client, admin, make_user, login):
    """Two admins: the first demotes the second; the second (now not an admin) cannot return the
    favour; and with one admin left, nobody can demote them (shown via the service, as no other admin
    could sign in)."""
    from app.accounts import staff
    from app.common.errors import Conflict

    other = make_user("other-admin@example.com", "other-password", is_admin=True)
    login(admin)
    assert _edit(client, other.id, name=other.name, is_admin=False).status_code == 302
    try:
        staff.update_user(admin.id, other.id, name=admin.name, is_admin=False)
    except Conflict as exc:
        assert exc.code == "last_admin"
    else:
        raise AssertionError("the last admin was demoted")
    db.session.expire_all()
    assert db.session.get(User, admin.id).is_admin is True


def test_a_demoted_admin_is_signed_out_of_the_console_at_once(app, client, admin, make_user, login):
    other = make_user("other-admin@example.com", "other-password", is_admin=True)
    their = app.test_client()
    login(other, on=their)
    assert their.get("/admin/").status_code == 200
    login(admin)
    assert _edit(client, other.id, name=other.name, is_admin=False).status_code == 302
    assert their.get("/api/auth/me").status_code == 401
    assert their.get("/admin/").status_code == 302  # to sign-in: the old session is gone


def test_names_lose_control_characters_in_the_admin(client, admin, user, login):
    login(admin)
    assert _edit(client, user.id, name="Mallory\x1b[31m\u202e\r\nAdmin").status_code == 302
    db.session.refresh(user)
    assert user.name == "Mallory[31m Admin"
