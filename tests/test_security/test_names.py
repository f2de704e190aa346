"""Control characters never reach a stored name: forms (admin: test_admin_users.py), the CLI, the service."""
from app.accounts.users import clean_name, create_user
from app.extensions import db
from app.models import User


def test_clean_name_strips_control_and_format_characters():
    assert clean_name("Ann\x00\x07 \x1b[2J\u200b\u202eLee\r\nSmith\t") == "Ann [2JLee Smith"
    assert clean_name("\x01\x02") is None and clean_name(None) is None
    assert clean_name("Zoë 🌍 O'Brien") == "Zoë 🌍 O'Brien"


def test_cli_users_create_strips_control_characters(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "cli@example.com", "--password", "cli-password-1",
                                 "--name", "Eve\x1b]0;pwned\x07\nAdmin"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(db.select(User.name).where(User.email == "cli@example.com")) == "Eve]0;pwned Admin"


def test_service_create_user_strips_control_characters():
    user = create_user("svc@example.com", "svc-password-1", name="Bob\u202e\x00")
    assert user.name == "Bob"
