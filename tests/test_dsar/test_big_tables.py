"""The big tables straight out of COPY: logs read in keyset pages (many JSON lines per COPY row) give the
very same logs.json as one line per row — every row once, in id order, redacted, nobody else's — also
when pages are tiny, a secret sits on a page boundary and another user's rows interleave by id."""
import json
import zipfile

import pytest

from app.common.redact import redact_text
from app.dsar import archive as dsar_archive
from app.dsar import pgcopy
from app.dsar.archive import build_archive
from app.extensions import db
from app.models import RunLog, User, Workflow, WorkflowRun
from tests.test_dsar.helpers import CANARIES, TRICKY_MESSAGE

pytestmark = pytest.mark.server_only  # COPY is PostgreSQL's; SQLite builds every row in Python

SECRET_LINE = f"calling CRM with api_key={CANARIES['log_secret']} returned 401"


def _run(user_id: int) -> int:
    wf = Workflow(user_id=user_id, name="wf", definition={})
    db.session.add(wf)
    db.session.flush()
    run = WorkflowRun(workflow_id=wf.id, user_id=user_id, status="succeeded")
    db.session.add(run)
    db.session.flush()
    return run.id


def _seed(user_id: int, other_id: int, n: int) -> list[str]:
    """n logs of the user (every 5th flagged sensitive, every 4th a secret) with another user's between."""
    mine, other = _run(user_id), _run(other_id)
    expected = []
    for i in range(n):
        sensitive = i % 5 == 4
        message = SECRET_LINE if i % 4 == 3 else (TRICKY_MESSAGE if i % 7 == 0 else f"step {i} ok \u2713")
        db.session.add(RunLog(run_id=mine, user_id=user_id, level="info", message=message, is_sensitive=sensitive))
        db.session.add(RunLog(run_id=other, user_id=other_id, level="info", message=CANARIES["other_user"]))
        if not sensitive:
            expected.append(redact_text(message))
    db.session.commit()
    return expected


def _logs(app, user_id: int) -> tuple[list[dict], dict]:
    archive = build_archive(1, user_id, app.config["DSAR_LINK_DAYS"])
    db.session.rollback()
    with archive.file, zipfile.ZipFile(archive.file) as zf:
        raw, manifest = zf.read("logs.json"), json.loads(zf.read("manifest.json"))
    assert CANARIES["other_user"].encode() not in raw and CANARIES["log_secret"].encode() not in raw
    return json.loads(raw), {f["name"]: f for f in manifest["files"]}["logs.json"]


@pytest.mark.parametrize("page_rows", [1, 3, 2000])
def test_logs_read_in_pages_are_every_row_once_in_order_redacted_and_equal_to_one_line_per_row(
        app, user, make_user, monkeypatch, page_rows):
    other_id = make_user("other@example.com", "other-password").id
    expected = _seed(user.id, other_id, 40)
    monkeypatch.setattr(pgcopy, "PAGE_ROWS", page_rows)
    paged, info = _logs(app, user.id)
    assert [row["message"] for row in paged] == expected
    ids = [row["id"] for row in paged]
    assert ids == sorted(ids) and len(set(ids)) == len(ids) == info["records"] == len(expected)
    assert set(paged[0]) == {"id", "run_id", "level", "message", "created_at"}
    assert paged[0]["created_at"].endswith("+00:00")

    monkeypatch.setattr(dsar_archive, "PAGE_KEYS", {})  # the one-line-per-COPY-row path
    lines, _ = _logs(app, user.id)
    assert lines == paged


def test_a_user_without_logs_gets_an_empty_array_from_the_paged_path(app, user):
    assert db.session.get(User, user.id) is not None
    logs, info = _logs(app, user.id)
    assert logs == [] and info["records"] == 0
