"""The human-readable side of an archive: index.html opened offline in Chromium, and the Art. 15 text
coming from the one configurable file."""
import json
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from app.common.mailer import render_parts
from app.dsar import datamap, overview
from app.dsar.archive import build_archive
from app.extensions import db
from app.models import AuditLog, RunLog, SlaClaimMessage, SlaCreditRequest, SlaDispute, WorkflowRun
from tests.support.ui import DESKTOP, PHONE, axe_violations, horizontal_overflow
from tests.test_dsar.helpers import add_export, seed_history

ART15_KEYS = ("purposes", "recipients", "retention", "sources", "automated", "transfers", "rights")


def _archive_dir(app, user_id: int, tmp_path: Path) -> Path:
    archive = build_archive(1, user_id, app.config["DSAR_LINK_DAYS"])
    with archive.file, zipfile.ZipFile(archive.file) as zf:
        zf.extractall(tmp_path)
    return tmp_path


def _add_signin_and_claim(user_id: int) -> None:
    """A sign-in, and an SLA claim with a dispute and a two-message thread, as the person made them."""
    now = datetime.now(UTC)
    db.session.add(AuditLog(action="auth.login", actor_id=user_id, target_user_id=user_id, target_type="user",
                            target_id=str(user_id), ip="203.0.113.7"))
    claim = SlaCreditRequest(user_id=user_id, plan="pro", period_start=now - timedelta(days=3, hours=1),
                             period_end=now - timedelta(days=3), claimed_downtime_minutes=45, currency="USD",
                             description="Checkout was down during our launch", status="rejected",
                             notes="The outage was in scheduled maintenance", decided_at=now - timedelta(days=2))
    db.session.add(claim)
    db.session.flush()
    db.session.add(SlaDispute(claim_id=claim.id, user_id=user_id, reason="The maintenance was never announced"))
    db.session.add_all([SlaClaimMessage(claim_id=claim.id, user_id=user_id, side="customer", body="Any news?"),
                        SlaClaimMessage(claim_id=claim.id, user_id=user_id, side="staff",
                                        body="A second colleague is looking at it")])
    db.session.commit()


@pytest.mark.browser
def test_index_html_shows_the_data_readably_on_a_phone_offline_and_passes_axe(app, user, page, tmp_path):
    seed_history(user.id)
    _add_signin_and_claim(user.id)
    folder = _archive_dir(app, user.id, tmp_path)
    html = (folder / "index.html").read_text()
    assert "<script" not in html.lower()
    for technical in ("users.password_hash", "Your own row", "your own row", "sla_credit_requests.decided_by",
                      "run_logs flagged"):
        assert technical not in html, technical
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.set_viewport_size(PHONE)
    page.goto((folder / "index.html").as_uri())
    assert page.locator("h1").inner_text() == "Your Levqor data export"
    assert horizontal_overflow(page) <= 0, "index.html scrolls sideways on a 390 px phone"
    assert not axe_violations(page, impacts=("minor", "moderate", "serious", "critical"))
    profile = page.locator("#profile + dl").inner_text()
    assert user.email in profile and "Account opened" in profile
    body = page.locator("main").inner_text()
    assert "Workflow 0 of user" in body and "Succeeded" in body  # workflows and runs, in words
    assert "step 0 ok \u2713" in body  # a log line as the person's workflow wrote it
    assert "$49.00" in body and "LQ-0001" in body  # plan and invoice
    assert "Checkout was down during our launch" in body and "The maintenance was never announced" in body
    assert "Our support team" in body and "A second colleague is looking at it" in body  # the thread
    assert "Signed in" in body and "203.0.113.7" in body  # sign-in activity
    assert "Your password" in body and "Your card details" in body  # what was left out, in plain words
    rows = page.locator("#categories > li")
    assert rows.count() == len(datamap.DATA_MAP)
    workflows = page.locator('#categories li[data-table="workflows"]')
    assert workflows.locator(".count").inner_text() == "2"
    assert "not in this export" in page.locator('#categories li[data-table="incident_updates"]').inner_text()
    for section in ART15_KEYS:
        assert page.locator(f"#{section}").is_visible(), section
    assert "supervisory authority" in page.locator("#rights + ul").inner_text()
    assert "Stripe" in page.locator("#recipients + ul").inner_text()
    page.set_viewport_size(DESKTOP)
    assert horizontal_overflow(page) <= 0
    workflows.locator("a").click()
    page.wait_for_url("**/workflows.json")
    assert json.loads(page.locator("body").inner_text())[0]["name"].startswith("Workflow 0")
    assert all(url.startswith("file://") for url in requests), requests  # nothing fetched from anywhere


def _add_logs(user_id: int, n: int) -> None:
    run_id = db.session.scalar(select(WorkflowRun.id).where(WorkflowRun.user_id == user_id).limit(1))
    db.session.execute(insert(RunLog), [{"run_id": run_id, "user_id": user_id, "level": "info",
                                         "message": f"bulk line {i:06d} " + "x" * 60} for i in range(n)])
    db.session.commit()


def test_index_html_size_does_not_grow_with_the_log_count(app, user, tmp_path):
    """The page shows the newest few hundred log lines and points to logs.json for the rest."""
    seed_history(user.id, canaries=False)
    _add_logs(user.id, overview.HEAD["logs"] + 50)
    small = (_archive_dir(app, user.id, tmp_path / "a") / "index.html").read_text()
    _add_logs(user.id, 5000)
    folder = _archive_dir(app, user.id, tmp_path / "b")
    big = (folder / "index.html").read_text()
    total = len(json.loads((folder / "logs.json").read_text()))
    assert total > 5000 + overview.HEAD["logs"]
    assert abs(len(big) - len(small)) < 200, (len(small), len(big))  # only the counts' digits differ
    assert big.count("bulk line") == overview.HEAD["logs"]
    assert "The full\n      list is in <a href=\"logs.json\">logs.json</a>" in big
    assert f"The {overview.HEAD['logs']} most recent of your {total:,} log lines" in big


@pytest.mark.browser
def test_the_export_ready_email_fits_a_phone(app, user, page):
    """The raw link under the button is one long word: it must wrap, not push the mail sideways."""
    export = add_export(user.id)
    db.session.commit()
    long_url = "https://levqor.example.com/dsar/download/" + "a1b2c3d4" * 30
    _, html = render_parts("dsar_ready", "Your Levqor data export is ready", url=long_url, export=export,
                           user=user, link_days=7)
    page.set_viewport_size(PHONE)
    page.set_content(html)
    assert long_url in page.locator("body").inner_text().replace("\n", "")
    assert horizontal_overflow(page) <= 0, "the export-ready mail scrolls sideways on a phone"


def test_the_art15_text_comes_from_the_configured_file(app, user, tmp_path):
    source = Path(app.config["DSAR_ARTICLE15_FILE"]).read_text()
    own = tmp_path / "article15.toml"
    own.write_text(source.replace('controller = "Levqor"', 'controller = "Acme Trust GmbH"')
                   .replace('name = "Stripe"', 'name = "Adyen"'))
    saved = app.config["DSAR_ARTICLE15_FILE"]
    app.config["DSAR_ARTICLE15_FILE"] = str(own)
    try:
        folder = _archive_dir(app, user.id, tmp_path / "archive")
    finally:
        app.config["DSAR_ARTICLE15_FILE"] = saved
    for name in ("README.txt", "index.html"):
        text = (folder / name).read_text()
        assert "Acme Trust GmbH" in text and "Adyen" in text, name
        for heading in ("Why we process your data", "Who receives it", "How long we keep it",
                        "Where data not collected from you comes from", "Automated decisions",
                        "Transfers outside the EU/EEA", "Your rights"):
            assert heading in text, (name, heading)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert {f["name"] for f in manifest["files"]} >= {"README.txt", "index.html"}


def test_every_exclusion_has_plain_words():
    """A new exclusion must say in words what was left out: index.html shows `label`, never a column name."""
    for e in datamap.exclusions():
        assert e["label"] and "_" not in e["label"] and "." not in e["label"], e
