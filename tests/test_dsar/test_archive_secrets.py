"""Secrets people paste into workflows (a private key, a Slack hook, GitHub and Google tokens, a password
in the description, credentials under unusual key names) do not survive into the DSAR archive, whether the
rows leave through PostgreSQL's COPY or through Python."""
from __future__ import annotations

from datetime import UTC, datetime

from app.extensions import db
from app.models import RunLog, Workflow, WorkflowRun
from tests.test_dsar.helpers import export_and_open

PEM_BODY = "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun"
SECRETS = {
    "pem": PEM_BODY, "slack": "T0SLACK01/B0SLACK02/SlackHookSecretXYZ1234567",
    "github": "ghp_16C7e42F292c6912E7710c838347Ae178B4a", "google": "AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI",
    "hunter2": "hunter2xyz", "pwd": "pwd-value-4711", "pass": "pass-value-4712", "phrase": "phrase-value-4713",
    "xapikey": "xapikey-value-4714", "key": "key-value-4715", "redis": "redispw4716",
}
DESCRIPTION = (f"Syncs the CRM. password={SECRETS['hunter2']}; notify "
               f"https://hooks.slack.com/services/{SECRETS['slack']}\n-----BEGIN PRIVATE KEY-----\n{PEM_BODY}\n"
               f"-----END PRIVATE KEY-----\nclone with {SECRETS['github']}, maps {SECRETS['google']}")
DEFINITION = {"steps": [{"type": "http", "auth": {"pwd": SECRETS["pwd"], "pass": SECRETS["pass"],
                                                  "PassPhrase": SECRETS["phrase"]},
                         "headers": {"X-Api-Key": SECRETS["xapikey"], "Accept": "application/json"}}],
              "signing": {"key": SECRETS["key"]}, "cache": f"redis://:{SECRETS['redis']}@cache.internal:6379/0"}


def test_pasted_secrets_are_redacted_in_every_file_of_the_archive(client, user, login, smtp, drain_queues):
    wf = Workflow(user_id=user.id, name="CRM sync", description=DESCRIPTION, definition=DEFINITION)
    db.session.add(wf)
    db.session.flush()
    run = WorkflowRun(workflow_id=wf.id, user_id=user.id, status="failed", started_at=datetime(2026, 10, 1, tzinfo=UTC),
                      error=f"push failed: {SECRETS['github']} rejected by redis://:{SECRETS['redis']}@cache")
    db.session.add(run)
    db.session.flush()
    db.session.add(RunLog(run_id=run.id, user_id=user.id, level="error", message=DESCRIPTION))
    db.session.commit()
    files, _ = export_and_open(client, login, user, drain_queues)
    for name, content in files.items():
        for label, secret in SECRETS.items():
            assert secret.encode() not in content, f"{label} survived in {name}"
    # What is not a secret is still there for the person to read.
    workflows = files["workflows.json"].decode()
    assert "Syncs the CRM" in workflows and "application/json" in workflows and "cache.internal" in workflows
