"""The human-readable side of an archive: index.html opened offline in Chromium, and the Art. 15 text
coming from the one configurable file."""
import json
import zipfile
from pathlib import Path

import pytest

from app.dsar import datamap
from app.dsar.archive import build_archive
from tests.test_dsar.helpers import seed_history

ART15_KEYS = ("purposes", "recipients", "retention", "sources", "automated", "transfers", "rights")


def _archive_dir(app, user_id: int, tmp_path: Path) -> Path:
    archive = build_archive(1, user_id, app.config["DSAR_LINK_DAYS"])
    with archive.file, zipfile.ZipFile(archive.file) as zf:
        zf.extractall(tmp_path)
    return tmp_path


@pytest.mark.browser
def test_index_html_opens_offline_in_chromium_and_links_to_the_files(app, user, page, tmp_path):
    seed_history(user.id)
    folder = _archive_dir(app, user.id, tmp_path)
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto((folder / "index.html").as_uri())
    assert page.locator("h1").inner_text() == "Your Levqor data export"
    rows = page.locator("#categories tbody tr")
    assert rows.count() == len(datamap.DATA_MAP)
    workflows = page.locator('#categories tr[data-table="workflows"]')
    assert workflows.locator("td.count").inner_text() == "2"
    assert "Not exported" in page.locator('#categories tr[data-table="incident_updates"]').inner_text()
    for section in ART15_KEYS:
        assert page.locator(f"#{section}").is_visible(), section
    assert "supervisory authority" in page.locator("#rights + ul").inner_text()
    assert "Stripe" in page.locator("#recipients + ul").inner_text()
    workflows.locator("a").click()
    page.wait_for_url("**/workflows.json")
    assert json.loads(page.locator("body").inner_text())[0]["name"].startswith("Workflow 0")
    assert all(url.startswith("file://") for url in requests), requests  # nothing fetched from anywhere


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
