"""Proactive drafts in the console, in Chromium (issue 22): staff see the drafts at the top of /admin/sla-credits
with their total, approve a selection after one confirmation, then all the rest after one more."""
from __future__ import annotations

import pytest

from app.extensions import db
from app.models import SlaCreditRequest
from tests.support.services import browser_login
from tests.support.ui import DESKTOP, check_page
from tests.test_sla.test_proactive_batch import _drafts


@pytest.mark.browser
def test_staff_approve_a_selection_then_all_drafts_each_in_one_confirmation(live_server, page, make_user):
    ids = _drafts(make_user, 3)
    make_user("boss@example.com", "boss-password", is_admin=True)
    browser_login(page, live_server, "boss@example.com", "boss-password", next_path="/admin/sla-credits/")
    drafts = page.locator(".sla-drafts")
    assert "Proactive credits to approve: 3" in drafts.inner_text()
    assert drafts.locator(".drafts-total").inner_text() == "$14.70"

    questions = []
    page.on("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    page.check(f"#draft-{ids[0]}")
    page.check(f"#draft-{ids[2]}")
    page.click("#approve-selected-drafts")
    page.wait_for_selector("text=2 draft(s) approved with their suggested credits")
    db.session.expire_all()
    assert [db.session.get(SlaCreditRequest, i).status for i in ids] == ["approved", "pending", "approved"]
    assert "Proactive credits to approve: 1" in page.locator(".sla-drafts").inner_text()

    page.click("#approve-all-drafts")
    page.wait_for_selector("text=1 draft(s) approved with their suggested credits")
    assert len(questions) == 2 and questions[1].startswith("Approve all 1 drafts, crediting $4.90 in total?")
    db.session.expire_all()
    assert {db.session.get(SlaCreditRequest, i).status for i in ids} == {"approved"}
    assert page.locator(".sla-drafts").count() == 0
    assert "3 approved credit(s) waiting for Stripe" in page.locator(".sla-credits-waiting").inner_text()


@pytest.mark.browser
def test_the_drafts_panel_passes_axe(live_server, audit_page, make_user):
    _drafts(make_user, 2)
    make_user("boss@example.com", "boss-password", is_admin=True)
    browser_login(audit_page, live_server, "boss@example.com", "boss-password", next_path="/admin/")
    problems = check_page(audit_page, live_server + "/admin/sla-credits/", sizes=(DESKTOP,))
    assert audit_page.locator(".sla-drafts").count() == 1
    assert not problems, "\n".join(problems)
