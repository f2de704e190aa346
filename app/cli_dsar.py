"""`flask dsar …`: run the due erasures now."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from app.dsar.erasure import erase_due_now

# AppGroup, as in cli_status.py: every command runs inside the app context without saying so.
dsar_cli = AppGroup("dsar", help="Data subject requests: erasure.")


@dsar_cli.command("erase-due", help="Run the erasures whose grace period has ended, now; prints what it erased.")
def erase_due_cmd():
    click.echo("Looking for erasures whose grace period has ended (and unfinished ones)…")
    done = erase_due_now(echo=click.echo)
    if not done:
        click.echo("Nothing to erase.")
    for erasure_id in done:
        click.echo(f"Erasure request {erasure_id}: completed.")
    click.echo(f"{len(done)} erasure(s) completed.")
