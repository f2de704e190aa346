"""`flask --app wsgi …` commands: users, seed-demo, worker, scheduler, serve."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from werkzeug.serving import run_simple

from app.accounts.users import create_user, find_by_email, set_password
from app.cli_dsar import dsar_cli
from app.cli_sla import sla_cli
from app.cli_status import status_cli
from app.common.errors import ServiceError
from app.console.demo import seed
from jobs.worker import ensure_embedded_runtime, run_scheduler, run_worker


def register_commands(app) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(seed_demo)
    app.cli.add_command(worker)
    app.cli.add_command(scheduler)
    app.cli.add_command(serve)
    app.cli.add_command(status_cli)
    app.cli.add_command(dsar_cli)
    app.cli.add_command(sla_cli)


@click.group("users", help="Manage user accounts.")
def users_cli():
    pass


@users_cli.command("create")
@click.argument("email")
@click.option("--password", required=True, help="At least 8 characters.")
@click.option("--name", default=None)
@click.option("--admin", "is_admin", is_flag=True, help="Give access to /admin.")
@with_appcontext
def create_user_cmd(email, password, name, is_admin):
    try:
        user = create_user(email, password, name=name, is_admin=is_admin)
    except ServiceError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Created {'admin' if user.is_admin else 'user'} {user.email} (id {user.id}).")


@users_cli.command("set-password")
@click.argument("email")
@click.option("--password", required=True, help="At least 8 characters.")
@with_appcontext
def set_password_cmd(email, password):
    """A new password; every session signed in with the old one ends (see README, Security)."""
    user = find_by_email(email)
    if user is None:
        raise click.ClickException(f"No user with email {email}.")
    try:
        set_password(user, password)
    except ServiceError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Password changed for {user.email}; their existing sessions are signed out.")


@click.command("seed-demo", help="Idempotent demo data: an admin, a user with history, billing, status.")
@with_appcontext
def seed_demo():
    for line in seed():
        click.echo(line)


@click.command("worker", help="Run an RQ worker with the app context.")
@click.option("--burst", is_flag=True, help="Quit when the queues are empty.")
@click.argument("queues", nargs=-1)
def worker(burst, queues):
    app = current_app._get_current_object()
    if app.config.get("EMBEDDED_QUEUE"):
        raise click.ClickException("REDIS_URL is not set: in embedded mode jobs run inside `flask serve`.")
    run_worker(app, list(queues) or None, burst=burst)


@click.command("scheduler", help="Register the periodic jobs (idempotently) and run rq-scheduler.")
@click.option("--burst", is_flag=True, help="Enqueue what is due, then quit.")
@click.option("--interval", default=10, show_default=True, help="Seconds between polls.")
def scheduler(burst, interval):
    app = current_app._get_current_object()
    if app.config.get("EMBEDDED_QUEUE"):
        raise click.ClickException("REDIS_URL is not set: in embedded mode the scheduler runs inside `flask serve`.")
    run_scheduler(app, burst=burst, interval=interval)


@click.command("serve", help="Development server; without REDIS_URL it also runs the worker and scheduler in-process.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
def serve(host, port):
    app = current_app._get_current_object()
    if app.config.get("EMBEDDED_QUEUE"):
        ensure_embedded_runtime(app)
        click.echo("Embedded mode: in-process worker and scheduler started (no Redis needed).")
    # app.run() is a no-op under the flask CLI, so serve with werkzeug directly.
    run_simple(host, port, app, threaded=True, use_reloader=False)
