"""In Chromium, with the Content-Security-Policy enforced: no page of ours trips it, and the admin's
scripted controls (bulk actions, confirmations, the queue dashboard) still work."""
import pytest

from tests.support.services import browser_login

USER_PAGES = ["/", "/pricing", "/status", "/data-requests", "/sla-credits"]
ADMIN_PAGES = ["/admin/", "/admin/users/", "/admin/dsar/", "/admin/sla-credits/", "/admin/incidents/",
               "/admin/maintenance/", "/admin/audit/", "/admin/rq/"]


def _watch_csp(page) -> list[str]:
    violations = []
    page.on("console", lambda msg: violations.append(page.url + " " + msg.text)
            if "Content Security Policy" in msg.text else None)
    return violations


@pytest.mark.browser
def test_user_pages_run_without_csp_violations(live_server, page, make_user):
    make_user("csp@example.com", "csp-password")
    violations = _watch_csp(page)
    page.goto(f"{live_server}/signin")
    browser_login(page, live_server, "csp@example.com", "csp-password", next_path="/data-requests")
    for path in USER_PAGES:
        page.goto(f"{live_server}{path}")
        page.wait_for_load_state("networkidle")
    assert violations == [], "\n".join(violations)
    # The claim form's checks are a static script now: they still run.
    page.goto(f"{live_server}/sla-credits")
    if page.locator("#sla-form").count():
        page.click("#sla-submit")
        assert page.locator("#err-description").is_visible()


@pytest.mark.browser
def test_admin_pages_run_without_csp_violations_and_bulk_actions_still_work(live_server, page, make_user):
    make_user("csp-admin@example.com", "csp-admin-password", is_admin=True)
    violations = _watch_csp(page)
    browser_login(page, live_server, "csp-admin@example.com", "csp-admin-password", next_path="/admin/")
    for path in ADMIN_PAGES:
        page.goto(f"{live_server}{path}")
        page.wait_for_load_state("networkidle")
    assert violations == [], "\n".join(violations)
    page.goto(f"{live_server}/admin/dsar/")
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.click("text=With selected")
    page.click("[data-model-action=resend]")
    page.wait_for_timeout(300)
    assert dialogs == ["Please select at least one record."]  # Flask-Admin's own script ran
