"""The data map: every table that holds personal data about a user, and how the DSAR archive exports
it or why it does not. tests/test_dsar/test_datamap.py walks the SQLAlchemy metadata and fails when a
table that refers to users (or holds an email or IP address) is missing here, so the archive cannot
silently fall behind the schema: whoever adds such a table must decide here what a person gets.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import MetaData

from app.common.i18n import N_

# Columns that make a table personal data even without a foreign key to users.
PERSONAL_COLUMNS = frozenset({"email", "ip", "ip_address", "phone"})
STAFF = N_("Levqor staff")  # how staff appear in an archive: by role, never by name (the reasons below say it too)


@dataclass(frozen=True)
class Source:
    table: str
    category: str  # what a person reads in the manifest and index.html
    file: str | None  # the archive file holding it; None: not exported (see `reason`)
    selection: str  # which rows are the person's
    excluded: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # (what, why)
    reason: str | None = None  # why the whole table is not exported
    optional: bool = False  # a planned table: exported when it exists


DATA_MAP: tuple[Source, ...] = (
    Source("users", N_("Your account"), "user.json",
           N_("your email address, your name and when you opened the account"), excluded=(
        ("users.password_hash", N_("A password hash is a credential, not information about you.")),
        ("users.api_token", N_("Your personal API token is a secret; regenerate it in the app if needed.")))),
    Source("workflows", N_("Workflows"), "workflows.json", N_("workflows you own"), excluded=(
        ("secrets inside workflows.definition",
         N_("Values under keys such as api_key, token, password, secret or credentials read '[redacted]'.")),)),
    Source("workflow_runs", N_("Workflow runs"), "runs.json", N_("runs of your workflows"), excluded=(
        ("secrets inside workflow_runs.error", N_("Passwords, tokens and keys in error texts read '[redacted]'.")),)),
    Source("run_logs", N_("Run logs"), "logs.json", N_("log lines of your runs"), excluded=(
        ("run_logs flagged sensitive",
         N_("They may hold credentials or other people's data captured from third-party systems.")),
        ("secrets inside run_logs.message", N_("Passwords, tokens and keys in log lines read '[redacted]'.")))),
    Source("subscriptions", N_("Billing: subscriptions"), "billing.json", N_("your subscriptions")),
    Source("invoices", N_("Billing: invoices"), "billing.json", N_("your invoices"), excluded=(
        ("invoices.payment_details",
         N_("Card data (brand, last digits, fingerprint) is held by our payment processor and never exported.")),)),
    Source("sla_credit_requests", N_("SLA credit claims"), "sla_claims.json",
           N_("claims you filed, with the decision, its reasons and your uploaded evidence (attachments/)"), excluded=(
               ("sla_credit_requests.decided_by", N_("Who decided is shown as 'Levqor staff', not by name.")),
               ("sla_credit_requests.attachment_key",
                N_("An internal storage address; the file itself is included.")))),
    Source("sla_disputes", N_("SLA credit claims: disputes"), "sla_claims.json",
           N_("your disputes of decisions on your claims, with their outcome (shown with each claim)"), excluded=(
               ("sla_disputes.decided_by", N_("Who decided is shown as 'Levqor staff', not by name.")),
               ("sla_disputes.attachment_key", N_("An internal storage address.")))),
    Source("sla_claim_messages", N_("SLA credit claims: messages"), "sla_claims.json",
           N_("the message thread on each of your claims, yours and our support team's (shown with each claim)"),
           excluded=(("sla_claim_messages.author_id",
                      N_("Staff who wrote are shown as 'Levqor staff', not by name.")),)),
    Source("audit_log", N_("Account activity"), "account_activity.json",
           N_("entries about you: sign-ins (time, IP address), downloads, staff actions on your data"), excluded=(
               ("staff identities and IP addresses in audit_log",
                N_("Staff appear as 'Levqor staff'; their names, ids and IP addresses are their personal data.")),
               ("audit_log entries about other people",
                N_("Entries where you acted as staff on another person's data belong to that person.")))),
    Source("dsar_exports", N_("Your data requests"), "data_requests.json", N_("your data export requests"), excluded=(
        ("dsar_exports.download_url, storage_key", N_("Links and storage addresses are access secrets.")),
        ("dsar_exports.requested_by_id, extended_by_id", N_("Staff are shown as 'Levqor staff'.")))),
    Source("status_subscribers", N_("Status page subscriptions"), "status_subscriptions.json",
           N_("subscriptions under your email address"), excluded=(
               ("status_subscribers.confirm_token, webhook_secret",
                N_("Access secrets: the confirmation link's nonce and the webhook signing key.")),)),
    Source("dsar_erasures", N_("Your erasure requests"), None, "—",
           reason=N_("A pending erasure is shown, with its date and any hold, on /data-requests, where you can "
                  "cancel it.")),
    Source("status_notifications", N_("Status notification deliveries"), None, "—",
           reason=N_("Per-message delivery bookkeeping (sent, failed) for the subscriptions above, deleted after "
                  "90 days; the updates themselves are public on /status/history.")),
    Source("status_events", N_("Status notification events"), None, "—",
           reason=N_("Which incident or maintenance change was announced; it holds nothing about customers.")),
    Source("incident_updates", N_("Incident updates"), None, "—",
           reason=N_("Written by staff about the service; it holds nothing about customers.")),
    Source("scheduled_maintenances", N_("Scheduled maintenance"), None, "—",
           reason=N_("Announced by staff about the service; it holds nothing about customers.")),
    Source("maintenance_updates", N_("Maintenance updates"), None, "—",
           reason=N_("Posted by staff about planned work on the service; it holds nothing about customers.")),
    Source("incident_drafts", N_("Draft incidents"), None, "—",
           reason=N_("Raised by the service's own checks for staff; it holds nothing about customers.")),
)

BY_TABLE = {source.table: source for source in DATA_MAP}

# --- erasure (Art. 17) ----------------------------------------------------------------------------
# Beside each export rule, what an erasure does to the table: DELETE the person's rows, SCRUB them
# (keep the row for a legal reason, every column either kept or cleared: a test checks that each
# column of a scrubbed table has a rule, so a new column cannot slip through), or NOTHING (the table
# holds nothing about customers). app/dsar/erasure.py runs these rules; README "Retention" states them.
DELETE, SCRUB, NOTHING = "delete", "scrub", "nothing"
ACCOUNTING_YEARS = 10  # invoices and credits: commercial and tax law (e.g. HGB §257, AO §147); the texts say 10


@dataclass(frozen=True)
class Erasure:
    action: str  # DELETE | SCRUB | NOTHING
    match: str  # whose rows: "user_id", "id" (the user row), "email" (status subscribers), "subscriber", "audit"
    why: str  # what the person reads: what happens to it and, when kept, why and for how long
    keep: tuple[str, ...] = ()  # SCRUB: columns kept as they are
    clear: tuple[str, ...] = ()  # SCRUB: columns emptied (see erasure.CLEARED for the few with a placeholder)


_CLAIM_KEPT = ("id", "user_id", "subscription_id", "plan", "period_start", "period_end", "claimed_downtime_minutes",
               "status", "decision", "credit_amount", "currency", "notes", "stripe_ref", "decided_by", "decided_at",
               "created_at", "billing_period_start", "billing_period_end", "period_charge",
               "measured_downtime_minutes", "measured_degraded_minutes", "monthly_uptime_percent",
               "suggested_credit_amount", "credit_method", "credit_state", "credit_error", "emailed_at", "computation",
               "source")
ERASURE: dict[str, Erasure] = {
    "users": Erasure(SCRUB, "id", N_("Your account row stays as an empty shell under its number, so invoices can still "
                     "refer to it: email, name, password and API token are removed and nobody can sign in with it."),
                     keep=("id", "created_at", "locale"),  # the language: the last mail is in it; it names nobody
                     clear=("email", "name", "password_hash", "is_admin", "api_token", "session_version")),
    "workflows": Erasure(DELETE, "user_id", N_("Deleted.")),
    "workflow_runs": Erasure(DELETE, "user_id", N_("Deleted.")),
    "run_logs": Erasure(DELETE, "user_id", N_("Deleted.")),
    "subscriptions": Erasure(SCRUB, "user_id", N_("Kept 10 years for accounting (plan, price, period); "
                             "they hold nothing else about you."),
                             keep=("id", "user_id", "plan", "status", "price_amount", "currency",
                                   "current_period_start", "current_period_end", "stripe_subscription_id",
                                   "created_at")),
    "invoices": Erasure(SCRUB, "user_id", N_("Kept 10 years, as accounting law requires; the card "
                        "details are removed."),
                        keep=("id", "user_id", "subscription_id", "number", "status", "amount_due", "amount_paid",
                              "currency", "period_start", "period_end", "issued_at", "stripe_invoice_id"),
                        clear=("payment_details",)),
    "sla_credit_requests": Erasure(SCRUB, "user_id", N_("The decision and any credit are kept 10 years "
                                   "for accounting; your description and uploaded evidence are deleted."),
                                   keep=_CLAIM_KEPT, clear=("description", "attachment_key", "attachment_name")),
    "sla_disputes": Erasure(SCRUB, "user_id", N_("The dispute's outcome and any credit are kept 10 years "
                            "for accounting; your reasons and uploaded evidence are deleted."),
                            keep=("id", "claim_id", "user_id", "status", "opened_at", "first_credit_amount",
                                  "decided_by", "decided_at", "notes", "credit_difference", "credit_method",
                                  "credit_state", "stripe_ref", "credit_error", "emailed_at"),
                            clear=("reason", "attachment_key", "attachment_name")),
    "sla_claim_messages": Erasure(DELETE, "user_id", N_("Deleted: the messages you and our support team wrote on "
                                  "your claims.")),
    "audit_log": Erasure(SCRUB, "audit", N_("Kept as a security record with its numbers and times only: IP addresses, "
                         "email addresses and other personal details are removed."),
                         keep=("id", "created_at", "actor_id", "action", "target_user_id", "target_type", "target_id"),
                         clear=("ip", "details")),
    "dsar_exports": Erasure(DELETE, "user_id", N_("Deleted, and every archive in storage with them.")),
    "dsar_erasures": Erasure(SCRUB, "user_id", N_("Kept as proof that we erased your data when asked (dates and "
                             "status only); the address we send the final email to is removed once it is sent."),
                             keep=("id", "user_id", "status", "requested_at", "scheduled_for", "canceled_at", "held_at",
                                   "hold_reason", "held_by_id", "started_at", "completed_at", "attempts", "error",
                                   "scheduled_emailed_at", "final_emailed_at", "notify_email")),
    "status_subscribers": Erasure(DELETE, "email", N_("Subscriptions under your email address are deleted.")),
    "status_notifications": Erasure(DELETE, "subscriber", N_("Deleted with the subscriptions they belong to.")),
    "status_events": Erasure(NOTHING, "", N_("Holds nothing about you.")),
    "incident_updates": Erasure(NOTHING, "", N_("Holds nothing about you.")),
    "scheduled_maintenances": Erasure(NOTHING, "", N_("Holds nothing about you.")),
    "maintenance_updates": Erasure(NOTHING, "", N_("Holds nothing about you.")),
    "incident_drafts": Erasure(NOTHING, "", N_("Holds nothing about you.")),
}


def erasure_gaps(metadata: MetaData) -> list[str]:
    """Mapped tables without an erasure rule, and columns of scrubbed tables with no rule (must be empty)."""
    gaps = [s.table for s in DATA_MAP if s.table not in ERASURE and s.table in metadata.tables]
    for name, rule in ERASURE.items():
        if rule.action == SCRUB and name in metadata.tables:
            covered = set(rule.keep) | set(rule.clear)
            gaps += [f"{name}.{c.name}" for c in metadata.tables[name].columns if c.name not in covered]
    return sorted(gaps)

OTHER_EXCLUSIONS = (
    ("other users' rows", N_("The archive holds only rows that belong to your account.")),
)


def refers_to_a_person(table) -> bool:
    """A foreign key to users, or a column that identifies a person on its own."""
    return any(fk.column.table.name == "users" for fk in table.foreign_keys) or \
        bool(PERSONAL_COLUMNS & {c.name for c in table.columns})


def unmapped_tables(metadata: MetaData) -> list[str]:
    """Tables holding personal data that the map does not cover (must be empty)."""
    return sorted(t.name for t in metadata.sorted_tables if refers_to_a_person(t) and t.name not in BY_TABLE)


def stale_entries(metadata: MetaData) -> list[str]:
    """Map entries for tables that do not exist (and are not marked as planned)."""
    return sorted(s.table for s in DATA_MAP if not s.optional and s.table not in metadata.tables)


# What a person reads for each exclusion (index.html, README.txt): the manifest's `what` names the
# column for programs; these say it in plain words. A test checks every exclusion has one.
PLAIN = {
    "users.password_hash": N_("Your password"),
    "users.api_token": N_("Your personal API token"),
    "secrets inside workflows.definition": N_("Passwords and keys inside your workflows"),
    "secrets inside workflow_runs.error": N_("Passwords and keys in error messages of your runs"),
    "run_logs flagged sensitive": N_("Log lines marked as sensitive"),
    "secrets inside run_logs.message": N_("Passwords and keys in your log lines"),
    "invoices.payment_details": N_("Your card details"),
    "sla_credit_requests.decided_by": N_("Who decided your SLA claims"),
    "sla_credit_requests.attachment_key": N_("Where your uploaded evidence is stored"),
    "sla_disputes.decided_by": N_("Who decided your disputes"),
    "sla_disputes.attachment_key": N_("Where your dispute evidence is stored"),
    "sla_claim_messages.author_id": N_("Which staff member wrote to you"),
    "staff identities and IP addresses in audit_log": N_("Names and addresses of our staff"),
    "audit_log entries about other people": N_("Records about other people"),
    "dsar_exports.download_url, storage_key": N_("Download links and storage addresses of your exports"),
    "dsar_exports.requested_by_id, extended_by_id": N_("Which staff member handled your data requests"),
    "status_subscribers.confirm_token, webhook_secret": N_("The secret codes of your status subscriptions"),
    "other users' rows": N_("Other people's data"),
}


def exclusions() -> list[dict]:
    """Every exclusion with its reason, for the manifest (whole tables included); `label` in plain words."""
    rows = [{"what": what, "why": why, "table": s.table} for s in DATA_MAP for what, why in s.excluded]
    rows += [{"what": s.table, "why": s.reason, "table": s.table, "label": s.category} for s in DATA_MAP if s.reason]
    rows += [{"what": what, "why": why} for what, why in OTHER_EXCLUSIONS]
    for row in rows:
        row.setdefault("label", PLAIN.get(row["what"]))
    return rows
