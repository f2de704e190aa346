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


def test_the_archive_index_and_readme_of_a_german_user_are_german(app, user, make_user):
    import zipfile

    from app.dsar.archive import build_archive

    user.locale = "de"
    other = make_user("other@example.com")
    db.session.commit()

    def read(user_id):
        archive = build_archive(1, user_id, app.config["DSAR_LINK_DAYS"])
        with archive.file, zipfile.ZipFile(archive.file) as zf:
            return zf.read("index.html").decode(), zf.read("README.txt").decode()

    index, readme = read(user.id)
    assert '<html lang="de">' in index and "<h1>Ihr Levqor-Datenexport</h1>" in index
    for heading in ("Über Sie", "Ihre Workflows", "Tarife und Rechnungen", "Anträge auf SLA-Gutschrift",
                    "Alles in diesem Export", "Was ausgelassen wurde, und warum", "Ihre Rechte"):
        assert f">{heading}</h2>" in index, heading
    assert "About you" not in index and "Your rights" not in index
    assert readme.startswith("Ihr Levqor-Datenexport\n======================\n")
    assert "Was dieser Export enthält\n-------------------------" in readme
    index_en, readme_en = read(other.id)
    assert "<h1>Your Levqor data export</h1>" in index_en and ">About you</h2>" in index_en
    assert readme_en.startswith("Your Levqor data export\n=======================\n")


def test_the_words_that_come_as_data_are_german_in_the_archive_but_the_manifest_stays_english(app, user):
    """The data map's category names, selections and reasons, and the "left out" labels, are translated when
    index.html and README.txt are rendered; manifest.json (for programs) keeps them in English."""
    import json
    import zipfile

    from app.dsar.archive import build_archive

    user.locale = "de"
    db.session.commit()
    archive = build_archive(1, user.id, app.config["DSAR_LINK_DAYS"])
    with archive.file, zipfile.ZipFile(archive.file) as zf:
        index, readme = zf.read("index.html").decode(), zf.read("README.txt").decode()
        manifest = json.loads(zf.read("manifest.json"))
    assert '<li data-table="users"><strong>Ihr Konto</strong>:' in index
    assert "<strong>Abrechnung: Rechnungen</strong>" in index and "Ihre E-Mail-Adresse, Ihr Name" in readme
    assert "<li><strong>Ihr Passwort</strong>: Ein Passwort-Hash ist ein Zugangsmerkmal" in index
    assert "* Ihre Kartendaten: Kartendaten (Marke, letzte Ziffern, Fingerabdruck)" in readme
    assert "<strong>Ihre Löschanträge</strong>:" in index
    # the Art. 15 text after these lists is the operator's own file (DSAR_ARTICLE15_FILE), in its own words
    ours = index[index.index('id="contents"'):index.index('id="purposes"')]
    readme = readme[:readme.index("Warum wir")] if "Warum wir" in readme else readme
    for english in ("Your account", "Billing: invoices", "Your card details", "Nothing is held", "not by name"):
        assert english not in ours and english not in readme, english
    categories = {c["table"]: c["category"] for c in manifest["categories"]}
    assert categories["users"] == "Your account" and categories["invoices"] == "Billing: invoices"
    assert {"what": "invoices.payment_details", "label": "Your card details"}.items() <= \
        next(e for e in manifest["excluded"] if e["what"] == "invoices.payment_details").items()
