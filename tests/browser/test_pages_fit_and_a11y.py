"""Every public page and the main admin pages, in Chromium at 390 px (a phone) and 1280 px:
no sideways scrolling, no serious or critical axe-core violation, form controls at 3:1 contrast."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import StatusSubscriber
from app.subscriptions import subscribers
from tests.support.services import browser_login
from tests.support.ui import (
    DESKTOP,
    PHONE,
    axe_violations,
    check_page,
    focus_ring_of,
    horizontal_overflow,
    low_contrast_controls,
)

PUBLIC_ANONYMOUS = ["/", "/signin", "/pricing", "/status", "/status/history", "/status/subscribe", "/sla-credits"]
PUBLIC_SIGNED_IN = ["/data-requests", "/sla-credits", "/pricing"]
ADMIN_PAGES = ["/admin/", "/admin/dsar/", "/admin/sla-credits/", "/admin/incidents/", "/admin/incidents/new/",
               "/admin/audit/", "/admin/users/", "/admin/rq/", "/admin/maintenance/",
               "/admin/status-subscribers/", "/admin/status-events/"]


@pytest.fixture
def page(browser):
    """axe-core is injected as a script, which our Content-Security-Policy rightly forbids: bypass it for
    the audit only (tests/browser/test_csp.py checks the pages under the real policy)."""
    context = browser.new_context(bypass_csp=True)
    pg = context.new_page()
    pg.set_default_timeout(15000)
    yield pg
    context.close()


def _browse(page, base: str, paths: list[str], **kwargs) -> list[str]:
    problems = []
    for path in paths:
        problems += check_page(page, base + path, **kwargs)
    return problems


@pytest.mark.browser
def test_public_pages_fit_a_phone_and_pass_axe(live_server, page, world):
    problems = _browse(page, live_server, PUBLIC_ANONYMOUS)
    assert not problems, "\n".join(problems)


@pytest.mark.browser
def test_signed_in_pages_and_the_gone_link_fit_a_phone_and_pass_axe(live_server, page, world):
    browser_login(page, live_server, world.user_email, world.user_password, next_path="/data-requests")
    problems = _browse(page, live_server, PUBLIC_SIGNED_IN)
    problems += check_page(page, live_server + world.gone_path)
    assert page.locator("h1").inner_text() == "This download link no longer works"  # the download-gone page
    assert not problems, "\n".join(problems)


@pytest.mark.browser
def test_subscription_pages_fit_a_phone_and_pass_axe(live_server, page, world):
    """The pages a subscriber reaches from our mails: confirm (its button), unsubscribe (its button), manage
    (everything we hold), and the subscribe form showing a field error."""
    row = db.session.scalars(select(StatusSubscriber).where(StatusSubscriber.email == "new@example.com")).one()
    local = len("http://localhost")
    problems = check_page(page, live_server + subscribers.confirm_url(row, ["api"])[local:])
    assert page.locator("h1").inner_text() == "Confirm your subscription"
    problems += check_page(page, live_server + subscribers.unsubscribe_url(row)[local:])
    assert page.locator("h1").inner_text() == "Unsubscribe"
    hook = db.session.scalars(select(StatusSubscriber).where(StatusSubscriber.email == "ops@example.com")).one()
    problems += check_page(page, live_server + subscribers.manage_url(hook)[local:])  # a long webhook host
    assert page.locator("h1").inner_text() == "Your status subscription"
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/status/subscribe")
    page.fill("#email", "someone@")
    page.click("form button[type=submit]")
    page.locator("#email-error").wait_for()
    problems += axe_violations(page) + low_contrast_controls(page)
    if horizontal_overflow(page) > 0:
        problems.append(f"/status/subscribe with an error scrolls sideways by {horizontal_overflow(page)}px")
    assert not problems, "\n".join(problems)


@pytest.mark.browser
def test_admin_pages_pass_axe(live_server, page, world):
    browser_login(page, live_server, world.admin_email, world.admin_password, next_path="/admin/")
    problems = _browse(page, live_server, ADMIN_PAGES, sizes=(DESKTOP,))
    assert not problems, "\n".join(problems)


@pytest.mark.browser
def test_keyboard_focus_is_visible_on_links_buttons_and_fields(live_server, page, world):
    page.goto(f"{live_server}/signin")
    for selector in ("#email", "button[type=submit]", "a.brand"):
        page.keyboard.press("Tab")  # keyboard modality, so :focus-visible applies
        assert focus_ring_of(page, selector), selector
