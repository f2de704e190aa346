"""Writing one person's DSAR archive: a ZIP of JSON arrays streamed out of the database.

Rows are read through server-side cursors (PostgreSQL) in batches and written element by element
into ZIP entries opened for writing, so memory stays flat however long the history is. Every file
is hashed while it is written; the manifest lists each file's record count and SHA-256, and what
was left out and why. On PostgreSQL the big tables are turned into JSON by the database itself
(json_build_object), which is several times cheaper than building dicts in Python.
"""
from __future__ import annotations

import hashlib
import json
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO

from flask import render_template
from sqlalchemy import func, select, text

from app.extensions import db
from app.models import Invoice, RunLog, Subscription, User, Workflow, WorkflowRun
from app.models.types import utcnow

SCHEMA_VERSION = 1
BATCH_ROWS = 5000
FLUSH_BYTES = 1 << 20
COMPRESS_LEVEL = 6
REDACTED = "[redacted]"
# Keys (substrings, case-insensitive) whose values in a workflow definition are secrets.
SECRET_KEY_PARTS = ("secret", "token", "password", "passwd", "api_key", "apikey", "credential", "private_key",
                    "authorization", "cookie", "client_secret")

EXCLUDED = [
    {"what": "users.password_hash", "why": "A password hash is a credential, not information about you."},
    {"what": "users.api_token", "why": "Your personal API token is a secret; regenerate it in the app if needed."},
    {"what": "invoices.payment_details",
     "why": "Card data (brand, last digits, fingerprint) is held by our payment processor and never exported."},
    {"what": "secrets inside workflows.definition",
     "why": f"Values under keys such as api_key, token, password, secret or credentials read '{REDACTED}'."},
    {"what": "run_logs flagged sensitive",
     "why": "They may hold credentials or other people's data captured from third-party systems."},
    {"what": "other users' rows", "why": "The archive holds only rows that belong to your account."},
]

USER_COLUMNS = (("id", User.id), ("email", User.email), ("name", User.name), ("is_admin", User.is_admin),
                ("created_at", User.created_at))
WORKFLOW_COLUMNS = (("id", Workflow.id), ("name", Workflow.name), ("description", Workflow.description),
                    ("definition", Workflow.definition), ("created_at", Workflow.created_at),
                    ("updated_at", Workflow.updated_at))
RUN_COLUMNS = (("id", WorkflowRun.id), ("workflow_id", WorkflowRun.workflow_id), ("status", WorkflowRun.status),
               ("started_at", WorkflowRun.started_at), ("finished_at", WorkflowRun.finished_at),
               ("error", WorkflowRun.error))
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


def redact(value):
    """A copy of a workflow definition with every secret-looking key's value replaced."""
    if isinstance(value, dict):
        return {k: REDACTED if any(p in str(k).lower() for p in SECRET_KEY_PARTS) else redact(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


def _json_default(value):
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def _dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, default=_json_default, separators=(", ", ": "))


class HashedEntry:
    """One ZIP entry written in chunks, hashed and measured on the way (nothing held but a small buffer)."""

    def __init__(self, zf: zipfile.ZipFile, name: str):
        self.name = name
        self._fh = zf.open(name, "w", force_zip64=True)  # deflated at the ZipFile's level
        self._sha = hashlib.sha256()
        self._parts: list[str] = []
        self._pending = 0
        self.bytes = 0

    def raw(self, chunk: str) -> None:
        self._parts.append(chunk)
        self._pending += len(chunk)
        if self._pending >= FLUSH_BYTES:
            self._flush()

    def array(self, json_texts: Iterable[str]) -> int:
        """Write a JSON array of the given JSON texts; returns how many elements it holds."""
        count = 0
        for item in json_texts:
            self.raw(("[\n" if count == 0 else ",\n") + item)
            count += 1
        self.raw("\n]" if count else "[]")
        return count

    def raw_bytes(self, data: bytes) -> None:
        self._flush()
        self._sha.update(data)
        self._fh.write(data)
        self.bytes += len(data)

    def _flush(self) -> None:
        if self._parts:
            data = "".join(self._parts).encode()
            self._sha.update(data)
            self._fh.write(data)
            self.bytes += len(data)
            self._parts, self._pending = [], 0

    def close(self, records: int, **extra) -> dict:
        self.raw("\n")
        self._flush()
        self._fh.close()
        return {"name": self.name, "records": records, **extra, "sha256": self._sha.hexdigest(),
                "bytes": self.bytes}


def _stream(stmt) -> Iterator:
    """Rows of stmt in batches through a server-side cursor (PostgreSQL) or SQLite's lazy cursor."""
    # Per statement: Connection.execution_options() would change the session's connection for good.
    result = db.session.connection().execute(stmt.execution_options(stream_results=True, yield_per=BATCH_ROWS))
    yield from result


def _on_postgres() -> bool:
    return db.session.connection().dialect.name == "postgresql"


def _json_object(columns):
    return func.json_build_object(*[a for key, col in columns for a in (text(f"'{key}'"), col)])


def _copy_array(entry: HashedEntry, columns, where, order_by) -> int:
    """Write a JSON array straight from PostgreSQL's COPY, one JSON object per line, with no Python
    object per row: the big tables (runs, logs) go out at close to the speed of COPY itself."""
    conn = db.session.connection()
    stmt = select(_json_object(columns)).where(*where).order_by(*order_by)
    sql = str(stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    # CSV with control characters as quote and delimiter: JSON text never holds them (nor a raw
    # newline), so each line arrives verbatim with no COPY escaping to undo.
    copy_sql = f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')"
    count, buf = 0, bytearray()

    def emit():
        nonlocal count, buf
        if buf:
            lines = buf.count(b"\n")
            entry.raw_bytes(("[\n" if count == 0 else ",\n").encode() + bytes(buf[:-1]).replace(b"\n", b",\n"))
            count += lines
            buf = bytearray()

    with conn.connection.dbapi_connection.cursor() as cur, cur.copy(copy_sql) as copy:
        for row in copy:
            buf += row
            if len(buf) >= FLUSH_BYTES:
                emit()
    emit()
    entry.raw("\n]" if count else "[]")
    return count


def _json_rows(columns, where, order_by, transform=None) -> Iterator[str]:
    """JSON text of each row, built in Python (small tables, rows to redact, and SQLite)."""
    keys = [key for key, _ in columns]
    stmt = select(*[col for _, col in columns]).where(*where).order_by(*order_by)
    for row in _stream(stmt):
        record = dict(zip(keys, row, strict=True))
        yield _dumps(transform(record) if transform else record)


def _redact_definition(record: dict) -> dict:
    record["definition"] = redact(record["definition"])
    return record


def build_archive(export_id: int, user_id: int, link_days: int) -> Archive:
    """Write the archive for user_id into a temporary file and return it (open, at position 0)."""
    generated_at = utcnow().replace(microsecond=0)
    if _on_postgres():
        db.session.execute(text("SET LOCAL TIME ZONE 'UTC'"))  # JSON timestamps as +00:00, like Python's
    tmp = tempfile.TemporaryFile(prefix="dsar-", suffix=".zip")  # noqa: SIM115  (the caller closes it)
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL,
                             allowZip64=True) as zf:
            files = _write_data_files(zf, user_id)
            sensitive = db.session.scalar(
                select(func.count()).select_from(RunLog).where(RunLog.user_id == user_id, RunLog.is_sensitive))
            readme = render_template("archive/README.txt", generated_at=generated_at, link_days=link_days)
            readme_bytes = readme.encode()
            _write_small(zf, "README.txt", readme_bytes)
            files.append({"name": "README.txt", "records": None, "sha256": hashlib.sha256(readme_bytes).hexdigest(),
                          "bytes": len(readme_bytes)})
            excluded = [dict(e) for e in EXCLUDED]
            for e in excluded:
                if e["what"] == "run_logs flagged sensitive":
                    e["count"] = sensitive
            manifest = {"export_id": export_id, "user_id": user_id, "schema_version": SCHEMA_VERSION,
                        "generated_at": generated_at.isoformat(), "files": files, "excluded": excluded}
            _write_small(zf, "manifest.json", (json.dumps(manifest, indent=2) + "\n").encode())
        size = tmp.tell()
        tmp.seek(0)
        return Archive(file=tmp, size=size, manifest=manifest)
    except BaseException:
        tmp.close()
        raise


def _write_small(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    zf.writestr(name, data)


def _write_data_files(zf: zipfile.ZipFile, user_id: int) -> list[dict]:
    arrays = (
        ("user.json", USER_COLUMNS, [User.id == user_id], [User.id], dict),
        ("workflows.json", WORKFLOW_COLUMNS, [Workflow.user_id == user_id], [Workflow.id], _redact_definition),
        ("runs.json", RUN_COLUMNS, [WorkflowRun.user_id == user_id], [WorkflowRun.id], None),
        ("logs.json", LOG_COLUMNS, [RunLog.user_id == user_id, RunLog.is_sensitive.is_(False)], [RunLog.id], None),
    )
    files = []
    for name, columns, where, order_by, transform in arrays:
        entry = HashedEntry(zf, name)
        if transform is None and _on_postgres():
            records = _copy_array(entry, columns, where, order_by)
        else:
            records = entry.array(_json_rows(columns, where, order_by, transform))
        files.append(entry.close(records))

    # billing.json: {"subscriptions": [...], "invoices": [...]}: metadata only, never card data.
    entry = HashedEntry(zf, "billing.json")
    sections = {}
    for i, (key, columns, model) in enumerate((("subscriptions", SUBSCRIPTION_COLUMNS, Subscription),
                                                ("invoices", INVOICE_COLUMNS, Invoice))):
        entry.raw(("{" if i == 0 else ",\n") + f'"{key}": ')
        sections[key] = entry.array(_json_rows(columns, [model.user_id == user_id], [model.id], transform=dict))
    entry.raw("}")
    files.append(entry.close(sum(sections.values()), sections=sections))
    return files
