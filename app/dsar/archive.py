"""Writing one person's DSAR archive: a ZIP of JSON files streamed out of the database.

Rows are read through server-side cursors (PostgreSQL) in batches and written element by element
into ZIP entries opened for writing, so memory stays flat however long the history is. Every file
is hashed while it is written. What goes in is decided by the data map (dsar_datamap): the manifest
lists every category with its record count and every exclusion with its reason. On PostgreSQL the
big tables are turned into JSON by the database itself inside COPY, read in blocks, which is several
times cheaper than building dicts in Python.
"""
from __future__ import annotations

import json
import tempfile
import zipfile
from dataclasses import dataclass, field
from typing import IO

from flask import current_app
from sqlalchemy import func, select, text

from app.common.i18n import N_
from app.common.redact import redact, redact_text
from app.dsar import datamap, readable
from app.dsar import sections as dsar_sections
from app.dsar.pgcopy import copy_array
from app.dsar.zipstream import HashedEntry, json_rows, on_postgres
from app.extensions import db
from app.models import Invoice, RunLog, Subscription, User, Workflow, WorkflowRun
from app.models.types import utcnow

SCHEMA_VERSION = 2

USER_COLUMNS = (("id", User.id), ("email", User.email), ("name", User.name), ("is_admin", User.is_admin),
                ("created_at", User.created_at), ("locale", User.locale))
WORKFLOW_COLUMNS = (("id", Workflow.id), ("name", Workflow.name), ("description", Workflow.description),
                    ("definition", Workflow.definition), ("created_at", Workflow.created_at),
                    ("updated_at", Workflow.updated_at))
RUN_COLUMNS = (("id", WorkflowRun.id), ("workflow_id", WorkflowRun.workflow_id), ("status", WorkflowRun.status),
               ("started_at", WorkflowRun.started_at), ("finished_at", WorkflowRun.finished_at),
               ("error", WorkflowRun.error))
REDACTED_TEXT = {"runs.json": ("error",), "logs.json": ("message",)}  # free text run through redact_text
# Read from COPY in keyset pages (pgcopy._paged_sql): only where an index orders the user's rows by the
# key (ix_run_logs_user_id_id, ix_workflow_runs_user_id_id); a page is then a range scan of that index.
PAGE_KEYS = {"runs.json": WorkflowRun.id, "logs.json": RunLog.id}
LOG_COLUMNS = (("id", RunLog.id), ("run_id", RunLog.run_id), ("level", RunLog.level),
               ("message", RunLog.message), ("created_at", RunLog.created_at))
SUBSCRIPTION_COLUMNS = (("id", Subscription.id), ("plan", Subscription.plan), ("status", Subscription.status),
                        ("price_amount", Subscription.price_amount), ("currency", Subscription.currency),
                        ("current_period_start", Subscription.current_period_start),
                        ("current_period_end", Subscription.current_period_end),
                        ("stripe_subscription_id", Subscription.stripe_subscription_id),
                        ("created_at", Subscription.created_at))
INVOICE_COLUMNS = (("id", Invoice.id), ("subscription_id", Invoice.subscription_id), ("number", Invoice.number),
                   ("status", Invoice.status), ("amount_due", Invoice.amount_due),
                   ("amount_paid", Invoice.amount_paid), ("currency", Invoice.currency),
                   ("period_start", Invoice.period_start), ("period_end", Invoice.period_end),
                   ("issued_at", Invoice.issued_at), ("stripe_invoice_id", Invoice.stripe_invoice_id))


@dataclass
class Archive:
    file: IO[bytes]  # the finished ZIP, positioned at 0; closing it deletes it
    size: int
    manifest: dict = field(default_factory=dict)


def _redact_definition(record: dict) -> dict:
    record["definition"] = redact(record["definition"])
    record["description"] = redact_text(record["description"])  # people paste credentials here too
    return record


def build_archive(export_id: int, user_id: int, link_days: int) -> Archive:
    """Write the archive for user_id into a temporary file and return it (open, at position 0)."""
    generated_at = utcnow().replace(microsecond=0)
    if on_postgres():
        db.session.execute(text("SET LOCAL TIME ZONE 'UTC'"))  # JSON timestamps as +00:00, like Python's
    tmp = tempfile.TemporaryFile(prefix="dsar-", suffix=".zip")  # noqa: SIM115  (the caller closes it)
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True,
                             compresslevel=current_app.config["DSAR_COMPRESS_LEVEL"]) as zf:
            files, counts = _write_data_files(zf, user_id)
            files += dsar_sections.write_all(zf, user_id, counts)
            manifest = {"export_id": export_id, "user_id": user_id, "schema_version": SCHEMA_VERSION,
                        "generated_at": generated_at.isoformat(), "categories": _categories(counts),
                        "excluded": _excluded(user_id)}
            files += readable.write(zf, manifest, files, link_days, counts)
            manifest["files"] = files
            zf.writestr("manifest.json", (json.dumps(manifest, indent=2) + "\n").encode())
        size = tmp.tell()
        tmp.seek(0)
        return Archive(file=tmp, size=size, manifest=manifest)
    except BaseException:
        tmp.close()
        raise


def _categories(counts: dict[str, int | None]) -> list[dict]:
    """Every category of the data map, with its file and count (None: not held, see `reason`)."""
    return [{"category": s.category, "table": s.table, "records": counts.get(s.table),
             "file": s.file if not s.optional or s.table in counts else None,
             "selection": s.selection, **({"reason": s.reason} if s.reason else {}),
             **({"note": N_("Not offered yet: nothing is held.")} if s.optional and s.table not in counts else {})}
            for s in datamap.DATA_MAP]


def _excluded(user_id: int) -> list[dict]:
    excluded = datamap.exclusions()
    sensitive = db.session.scalar(
        select(func.count()).select_from(RunLog).where(RunLog.user_id == user_id, RunLog.is_sensitive))
    for e in excluded:
        if e["what"] == "run_logs flagged sensitive":
            e["count"] = sensitive
    return excluded


def _redact_texts(keys):
    def transform(record: dict) -> dict:
        for key in keys:
            record[key] = redact_text(record[key])
        return record
    return transform


def _write_array(zf: zipfile.ZipFile, name: str, columns, where, order_by, transform) -> dict:
    entry = HashedEntry(zf, name)
    texts = REDACTED_TEXT.get(name, ())
    if transform is None and on_postgres():
        records = copy_array(entry, columns, where, order_by, redact_keys=texts, page_key=PAGE_KEYS.get(name))
    else:
        records = entry.array(json_rows(columns, where, order_by, transform or _redact_texts(texts)))
    return entry.close(records)


def _write_data_files(zf: zipfile.ZipFile, user_id: int) -> tuple[list[dict], dict]:
    arrays = (
        ("users", "user.json", USER_COLUMNS, [User.id == user_id], [User.id], dict),
        ("workflows", "workflows.json", WORKFLOW_COLUMNS, [Workflow.user_id == user_id], [Workflow.id],
         _redact_definition),
        ("workflow_runs", "runs.json", RUN_COLUMNS, [WorkflowRun.user_id == user_id], [WorkflowRun.id], None),
        ("run_logs", "logs.json", LOG_COLUMNS, [RunLog.user_id == user_id, RunLog.is_sensitive.is_(False)],
         [RunLog.id], None),
    )
    files, counts = [], {}
    for table, name, columns, where, order_by, transform in arrays:
        files.append(_write_array(zf, name, columns, where, order_by, transform))
        counts[table] = files[-1]["records"]

    # billing.json: {"subscriptions": [...], "invoices": [...]}: metadata only, never card data.
    entry = HashedEntry(zf, "billing.json")
    sections = {}
    for i, (key, columns, model) in enumerate((("subscriptions", SUBSCRIPTION_COLUMNS, Subscription),
                                                ("invoices", INVOICE_COLUMNS, Invoice))):
        entry.raw(("{" if i == 0 else ",\n") + f'"{key}": ')
        sections[key] = entry.array(json_rows(columns, [model.user_id == user_id], [model.id], transform=dict))
    entry.raw("}")
    files.append(entry.close(sum(sections.values()), sections=sections))
    counts.update(sections)
    return files, counts
