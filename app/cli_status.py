"""`flask status …`: record a snapshot now, recompute rollups."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from app.models.status import COMPONENT_NAMES
from app.status.declared import headline
from app.status.history import rollup_and_prune
from app.status.snapshots import record_snapshot

# Flask's AppGroup: every command runs inside the app context (no @with_appcontext on each).
status_cli = AppGroup("status", help="Status page: snapshots and rollups.")


@status_cli.command("snapshot", help="Check every component now, record one snapshot and print it.")
def snapshot_cmd():
    click.echo("Checking API, frontend, database, Stripe and workflows concurrently…")
    snap = record_snapshot(current_app._get_current_object())
    click.echo(f"Snapshot {snap.id} at {snap.ts.strftime('%Y-%m-%d %H:%M:%S UTC')}: "
               f"{snap.overall_status} ({headline({'overall': snap.overall_status})})")
    for component, d in (snap.details or {}).items():
        latency = f"{d['latency_ms']} ms" if d.get("latency_ms") is not None else "-"
        tries = f", {d['attempts']} attempts" if d.get("attempts", 1) > 1 else ""
        error = f"  {d['error']}" if d.get("error") else ""
        click.echo(f"  {COMPONENT_NAMES[component]:<20} {d['status']:<9} {latency:>8}{tries}{error}")


@status_cli.command("rollup", help="Recompute hourly/daily rollups for the last HOURS and apply retention.")
@click.option("--hours", default=48, show_default=True, help="How far back to recompute.")
def rollup_cmd(hours):
    result = rollup_and_prune(hours=hours)
    click.echo(f"Rollups written: {result['rollups_written']}; snapshots pruned: {result['snapshots_deleted']}; "
               f"rollups pruned: {result['rollups_deleted']}")
