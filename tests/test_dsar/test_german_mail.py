"""An email to a user who chose German is German (issue 27): subject, words and dates, rendered by the
mail job in the user's saved language; another user's copy of the same mail stays English."""
from datetime import UTC, datetime, timedelta

from app.dsar import emails, exports
from app.extensions import db
from tests.test_dsar.helpers import add_export


def _text(mail) -> str:
    return mail["message"].get_body(("plain",)).get_content()


def _html(mail) -> str:
    return mail["message"].get_body(("html",)).get_content()


def test_the_failure_email_to_a_german_user_is_german(user, make_user, smtp, drain_queues):
    user.locale = "de"
    other = make_user("other@example.com")
    requested = datetime(2026, 11, 3, 9, 30, tzinfo=UTC)
    for owner in (user, other):
        add_export(owner.id, "running", requested, started_at=requested + timedelta(minutes=1))
    db.session.commit()
    assert exports.sweep_stuck()["failed"] == 2
    drain_queues()
    mails = {m["to"][0]: m for m in smtp.wait_for(2)}
    german, english = mails["user@example.com"], mails["other@example.com"]
    assert german["subject"] == "Ihr Levqor-Datenexport konnte nicht abgeschlossen werden"
    text = _text(german)
    assert text.startswith("Guten Tag User,") and "am 3. November 2026 angefordert" in text
    assert "Fordern Sie den Export unter http://localhost/data-requests gleich noch einmal an" in text
    assert '<html lang="de">' in _html(german) and "Meine Daten erneut anfordern" in _html(german)
    assert english["subject"] == emails.FAILED_SUBJECT == "Your Levqor data export could not be completed"
    assert "you requested on 03 November 2026" in _text(english)
