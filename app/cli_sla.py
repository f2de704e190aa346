"""`flask sla proactive [--dry-run] [--since DATE]`: measure closed billing periods and draft proactive credits now."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.common.inputs import parse_time
from app.sla import proactive


@click.group("sla", help="SLA credits: proactive credits.")
def sla_cli():
    pass


@sla_cli.command("proactive", help="Measure billing periods that closed within SLA_FILING_DAYS and draft the credits "
                                   "missed (SLA_PROACTIVE); prints what it drafted, never drafting a period twice.")
@click.option("--dry-run", is_flag=True, help="Measure and print what would be drafted; change nothing.")
@click.option("--since", default=None, help="Only periods that ended on or after this date (ISO 8601, UTC).")
@with_appcontext
def proactive_cmd(dry_run, since):
    start = None
    if since:
        start = parse_time(since)
        if start is None:
            raise click.BadParameter("an ISO 8601 date, e.g. 2026-11-01", param_hint="--since")
    try:
        report = proactive.run(since=start, dry_run=dry_run, force=dry_run)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    if report.mode == "off" and not dry_run:
        click.echo("SLA_PROACTIVE is off: nothing measured. (--dry-run shows what it would draft.)")
        return
    verb = "Would draft" if dry_run else "Drafted"
    for d in report.drafted:
        ticket = d["ticket_id"] or "(dry run)"
        click.echo(f"{verb} {ticket}: subscription {d['subscription_id']}, billing period "
                   f"{d['billing_period_start']} – {d['billing_period_end']}, uptime {d['monthly_uptime_percent']}%, "
                   f"credit {d['suggested_credit_amount']} {d['currency']} (minor units)")
    skipped = ", ".join(f"{reason} {n}" for reason, n in sorted(report.skipped.items())) or "none"
    click.echo(f"{verb.lower()} {len(report.drafted)} credit(s) from {report.periods} closed period(s) "
               f"({report.measured_windows} distinct window(s) measured); skipped: {skipped}.")
    if report.approved:
        click.echo(f"SLA_PROACTIVE=auto: {report.approved} approved by the system; the credits are being made.")
