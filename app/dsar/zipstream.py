"""Writing JSON arrays into a ZIP entry by entry: hashed and measured on the way, rows streamed from
the database in batches (or straight out of PostgreSQL's COPY for the big tables: dsar_copy), so memory
stays flat however long a person's history is."""
from __future__ import annotations

import hashlib
import json
import queue
import threading
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select

from app.extensions import db

BATCH_ROWS = 5000
FLUSH_BYTES = 1 << 20
QUEUE_BLOCKS = 4  # blocks of about FLUSH_BYTES waiting for the deflate thread


def _json_default(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, default=_json_default, separators=(", ", ": "))


class HashedEntry:
    """One ZIP entry written in chunks, hashed and measured on the way (nothing held but a small buffer)."""

    def __init__(self, zf: zipfile.ZipFile, name: str):
        self.name = name
        self._fh = zf.open(name, "w", force_zip64=True)  # deflated at the ZipFile's level
        self._sha = hashlib.sha256()
        self._parts: list[str] = []
        self._pending = 0
        self._writer: _Writer | None = None
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
        self._emit(data)

    def _flush(self) -> None:
        if self._parts:
            data = "".join(self._parts).encode()
            self._parts, self._pending = [], 0
            self._emit(data)

    def _emit(self, data: bytes) -> None:
        self.bytes += len(data)
        if self._writer is not None:
            self._writer.put(data)
        else:
            self._write(data)

    def _write(self, data: bytes) -> None:
        self._sha.update(data)
        self._fh.write(data)  # deflate and CRC

    @contextmanager
    def overlapped(self):
        """Hash, deflate and write on a second thread while the caller reads the next block: hashlib,
        zlib and the file write release the GIL, so a big entry costs about max(read, deflate) instead
        of their sum. At most QUEUE_BLOCKS blocks wait, so memory stays flat."""
        writer = _Writer(self._write)
        self._writer = writer
        try:
            yield self
            self._flush()
        finally:
            self._writer = None
            writer.close()

    def close(self, records: int | None, *, newline: bool = True, **extra) -> dict:
        if newline:  # JSON and text files end with one; copied files stay byte-exact
            self.raw("\n")
        self._flush()
        self._fh.close()
        return {"name": self.name, "records": records, **extra, "sha256": self._sha.hexdigest(),
                "bytes": self.bytes}


class _Writer:
    """One background thread applying `write` to the blocks put to it, in order."""

    def __init__(self, write):
        self._write = write
        self._queue: queue.Queue = queue.Queue(maxsize=QUEUE_BLOCKS)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="dsar-deflate", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (data := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self._write(data)
                except BaseException as exc:  # handed to the reading thread at its next put/close
                    self._error = exc

    def put(self, data: bytes) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put(data)

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error


def stream(stmt) -> Iterator:
    """Rows of stmt in batches through a server-side cursor (PostgreSQL) or SQLite's lazy cursor."""
    # Per statement: Connection.execution_options() would change the session's connection for good.
    result = db.session.connection().execute(stmt.execution_options(stream_results=True, yield_per=BATCH_ROWS))
    yield from result


def on_postgres() -> bool:
    return db.session.connection().dialect.name == "postgresql"


def json_rows(columns, where, order_by, transform=None) -> Iterator[str]:
    """JSON text of each row, built in Python (small tables, rows to redact, and SQLite)."""
    keys = [key for key, _ in columns]
    stmt = select(*[col for _, col in columns]).where(*where).order_by(*order_by)
    for row in stream(stmt):
        record = dict(zip(keys, row, strict=True))
        yield dumps(transform(record) if transform else record)
