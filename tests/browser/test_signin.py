import pytest

from tests.support.services import browser_login


@pytest.mark.browser
def test_user_signs_in_through_the_signin_page(live_server, page, make_user):
    make_user("browser@example.com", "browser-password")
    page.goto(f"{live_server}/pricing")
    page.click("text=Sign in")
    page.fill("#email", "browser@example.com")
    page.fill("#password", "wrong-password")
    page.click("button[type=submit]")
    assert page.locator(".flash-error").inner_text() == "Email or password is incorrect."
    browser_login(page, live_server, "browser@example.com", "browser-password", next_path="/pricing")
    assert "browser@example.com" in page.locator("nav").inner_text()


@pytest.mark.browser
def test_admin_console_sends_anonymous_visitors_to_signin_and_back(live_server, page, make_user):
    make_user("boss@example.com", "boss-password", is_admin=True)
    page.goto(f"{live_server}/admin/")
    assert "/signin?next=/admin/" in page.url
    page.fill("#email", "boss@example.com")
    page.fill("#password", "boss-password")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/admin/")
    assert "Levqor support console" in page.content()
