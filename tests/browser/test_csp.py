"""In Chromium, with the Content-Security-Policy enforced: no page of ours trips it (a console report,
a `securitypolicyviolation` event or an uncaught page error all count), and the admin's scripted
controls (bulk actions, confirmations, the queue dashboard's tables) still work."""
import pytest

from tests.support.services import browser_login

PUBLIC_ANONYMOUS = ["/", "/signin", "/pricing", "/status", "/status/history", "/status/subscribe"]
USER_PAGES = ["/", "/pricing", "/status", "/data-requests", "/sla-credits"]
ADMIN_PAGES = ["/admin/", "/admin/users/", "/admin/dsar/", "/admin/sla-credits/", "/admin/incidents/",
               "/admin/incidents/new/", "/admin/maintenance/", "/admin/status-subscribers/",
               "/admin/status-events/", "/admin/audit/", "/admin/rq/"]

# Registered before any page script runs: every violation event ends up in the console as one line.
_REPORT_VIOLATIONS = """document.addEventListener('securitypolicyviolation', e =>
  console.error('securitypolicyviolation ' + e.effectiveDirective + ' blocked ' + e.blockedURI));"""


def _watch_csp(page) -> list[str]:
    problems = []
    page.add_init_script(_REPORT_VIOLATIONS)
    page.on("console", lambda msg: problems.append(page.url + " " + msg.text)
            if "Content Security Policy" in msg.text or "securitypolicyviolation" in msg.text else None)
    page.on("pageerror", lambda exc: problems.append(f"{page.url} page error: {exc}"))
    return problems


def _visit(page, base: str, paths: list[str]) -> None:
    for path in paths:
        page.goto(f"{base}{path}")
        page.wait_for_load_state("networkidle")


@pytest.mark.browser
def test_public_and_user_pages_run_without_csp_violations(live_server, page, make_user):
    make_user("csp@example.com", "csp-password")
    problems = _watch_csp(page)
    _visit(page, live_server, PUBLIC_ANONYMOUS)
    browser_login(page, live_server, "csp@example.com", "csp-password", next_path="/data-requests")
    _visit(page, live_server, USER_PAGES)
    assert problems == [], "\n".join(problems)
    # The claim form's checks are a static script now: they still run.
    page.goto(f"{live_server}/sla-credits")
    if page.locator("#sla-form").count():
        page.click("#sla-submit")
        assert page.locator("#err-description").is_visible()


@pytest.mark.browser
def test_admin_pages_run_without_csp_violations_and_bulk_actions_still_work(live_server, page, make_user):
    make_user("csp-admin@example.com", "csp-admin-password", is_admin=True)
    problems = _watch_csp(page)
    browser_login(page, live_server, "csp-admin@example.com", "csp-admin-password", next_path="/admin/")
    _visit(page, live_server, ADMIN_PAGES)
    assert problems == [], "\n".join(problems)
    page.goto(f"{live_server}/admin/dsar/")
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.click("text=With selected")
    page.click("[data-model-action=resend]")
    for _ in range(100):  # up to 5 s: the dialog comes from the click's handler, on a slow machine later
        if dialogs:
            break
        page.wait_for_timeout(50)
    assert dialogs == ["Please select at least one record."]  # Flask-Admin's own script ran


@pytest.mark.browser
def test_the_queue_dashboard_fills_its_tables(live_server, page, make_user):
    """rq-dashboard renders its tables with underscore templates: under a policy that blocks them the
    page stays on "Loading…" forever."""
    make_user("rq-admin@example.com", "rq-admin-password", is_admin=True)
    problems = _watch_csp(page)
    browser_login(page, live_server, "rq-admin@example.com", "rq-admin-password", next_path="/admin/rq/")
    page.goto(f"{live_server}/admin/rq/")
    page.wait_for_function("() => !document.body.innerText.includes('Loading')", timeout=8000)
    assert page.locator("#queues tbody tr").count() >= 1
    assert problems == [], "\n".join(problems)
