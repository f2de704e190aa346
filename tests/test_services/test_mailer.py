from pathlib import Path

from app.common.mailer import send_mail
from tests.support.services import mail_parts


def test_smtp_server_receives_html_and_text(app, smtp):
    where = send_mail("person@example.com", "Hello from Levqor", "plain body", "<p>html body</p>")
    assert where == "smtp"
    [received] = smtp.wait_for(1)
    assert received["to"] == ["person@example.com"]
    assert received["subject"] == "Hello from Levqor"
    text, html = mail_parts(received["message"])
    assert "plain body" in text and "<p>html body</p>" in html


def test_without_mail_server_mail_goes_to_the_outbox_as_eml(app_config, tmp_path, smtp):
    from app import create_app

    config, overrides = app_config
    outbox_app = create_app(config, **{**overrides, "MAIL_SERVER": None, "MAIL_OUTBOX_DIR": str(tmp_path)})
    with outbox_app.app_context():
        where = send_mail("person@example.com", "Outbox test", "text part", "<b>html part</b>")
    path = Path(where)
    assert path.parent == tmp_path and path.suffix == ".eml"
    raw = path.read_text()
    assert "Subject: Outbox test" in raw and "person@example.com" in raw
    assert smtp.messages == []  # nothing went over SMTP
