"""CSV evidence is downloaded safe to open in a spreadsheet: formula-like cells become text."""
from __future__ import annotations

import csv
import io
import re

from app.extensions import db
from app.models import SlaCreditRequest
from tests.test_sla.conftest import Signed, payload

HOSTILE = ('when,path,status,note\r\n'
           '2026-11-22T19:50:00Z,/api/workflows,503,"=HYPERLINK(""https://evil.example"",""click"")"\r\n'
           '2026-11-22T19:51:00Z,+1+cmd|\' /C calc\'!A0,503,@SUM(A1:A2)\r\n'
           '2026-11-22T19:52:00Z,-2+3,-12.5,"multi\nline ok"\r\n')


def test_formula_cells_are_neutralised_on_download_and_the_stored_file_is_untouched(app, client, login, user,
                                                                                    admin, sub, window):
    token = login(user)
    form = {**{k: str(v) for k, v in payload(sub, *window).items()},
            "attachment": (io.BytesIO(HOSTILE.encode()), "errors.csv")}
    res = client.post("/api/support/sla-credit", data=form, headers={"X-CSRFToken": token},
                      content_type="multipart/form-data")
    assert res.status_code == 201, res.get_json()
    claim = db.session.get(SlaCreditRequest, res.get_json()["request"]["id"])

    staff = Signed(app, login, admin)
    for url in (f"/api/admin/sla-credit/{claim.id}/attachment", f"/admin/sla-credits/claim/{claim.id}/attachment"):
        got = staff.get(url)
        assert got.status_code == 200
        rows = list(csv.reader(io.StringIO(got.get_data(as_text=True), newline="")))
        assert rows[0] == ["when", "path", "status", "note"]
        assert rows[1][3] == "'=HYPERLINK(\"https://evil.example\",\"click\")"
        assert rows[2][1] == "'+1+cmd|' /C calc'!A0" and rows[2][3] == "'@SUM(A1:A2)"
        assert rows[3] == ["2026-11-22T19:52:00Z", "'-2+3", "-12.5", "multi\nline ok"]  # numbers stay numbers
        assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row)

    from app.common.storage import get_storage

    with get_storage().open(claim.attachment_key) as stored:
        assert stored.read() == HOSTILE.encode()  # the evidence itself is kept as filed


def test_cells_between_semicolons_and_tabs_are_neutralised_too():
    """Excel in many locales splits on ";", and on tab: `a;=HYPERLINK(…)` is two cells, the second a formula."""
    from app.sla.attachments import neutralise_csv

    hostile = ('when;note\r\n'
               'a;=HYPERLINK("https://evil.example")\r\n'
               '"x\t@SUM(A1:A2)",b;+1+cmd|\' /C calc\'!A0;-12.5\r\n')
    rows = list(csv.reader(io.StringIO(neutralise_csv(hostile.encode()).decode(), newline="")))
    assert rows[1] == ["a;'=HYPERLINK(\"https://evil.example\")"]
    assert rows[2] == ["x\t'@SUM(A1:A2)", "b;'+1+cmd|' /C calc'!A0;-12.5"]
    for row in rows:
        for field in row:
            assert not any(piece.startswith(("=", "+", "@")) for piece in re.split(r"[;\t]", field)), field
