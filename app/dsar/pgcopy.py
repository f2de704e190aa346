"""The big tables of a DSAR archive straight out of PostgreSQL's COPY: JSON built by the database,
read off libpq in blocks of about a megabyte on a thread of its own, redacted and written with no
Python object per row.

Two shapes of query (see docs/performance.md, DSAR):
- one JSON line per COPY row (`_lines_sql`), for tables with no index ordering a user's rows;
- keyset pages (`_paged_sql`): PostgreSQL joins PAGE_ROWS JSON lines into one COPY row, so Python
  takes ~500 steps per million rows instead of a million.
Both build each object with row_to_json over a subquery of the chosen columns: ~25 % less PostgreSQL
CPU than json_build_object, and PostgreSQL is half of the export's critical path.
"""
from __future__ import annotations

import queue
import select as io
import threading
from collections.abc import Callable, Iterator

import psycopg
from psycopg import pq
from sqlalchemy import literal_column, select

from app.common.redact import redact_json_lines
from app.dsar.zipstream import FLUSH_BYTES, HashedEntry
from app.extensions import db

PAGE_ROWS = 2000  # JSON lines PostgreSQL joins into one COPY row on the paged path
READ_AHEAD_BLOCKS = 4  # blocks read from COPY ahead of the caller (about FLUSH_BYTES each)
# CSV with control characters as quote and delimiter: JSON text never holds them (nor a raw newline),
# so each line arrives verbatim with no COPY escaping to undo.
_CSV = "FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02'"


def copy_array(entry: HashedEntry, columns, where, order_by, redact_keys: tuple[str, ...] = (),
               page_key=None) -> int:
    """Write a JSON array of the rows (one object per line) into entry; returns how many it holds.

    `page_key`: a unique column, among `columns`, that an index on the `where` columns orders (e.g.
    run_logs' (user_id, id)): the rows are read in keyset pages. Without it, one line per COPY row."""
    conn = db.session.connection()
    pgconn = conn.connection.dbapi_connection.pgconn
    if page_key is None:
        blocks = _line_blocks(pgconn, f"COPY ({_lines_sql(conn, columns, where, order_by)}) TO STDOUT WITH ({_CSV})")
    else:
        sql = _paged_sql(conn, columns, where, page_key)
        blocks = copy_out_blocks(pgconn, f"COPY ({sql}) TO STDOUT WITH ({_CSV}, FORCE_QUOTE (body))", _page_rows)
    count = 0
    with entry.overlapped():
        for block, rows in blocks:  # whole lines, joined by ",\n": array elements
            if redact_keys:
                block = redact_json_lines(block, redact_keys)
            entry.raw_bytes((b"[\n" if count == 0 else b",\n") + block)
            count += rows
        entry.raw("\n]" if count else "[]")
    return count


def _label(columns, column) -> str:
    return next(key for key, col in columns if col is column)


def _lines_sql(conn, columns, where, order_by) -> str:
    rows = select(*[col.label(key) for key, col in columns]).where(*where)
    inner = str(rows.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    order = ", ".join(f't."{_label(columns, col)}"' for col in order_by)
    # Labels are the column names of our own constants; values are bound by SQLAlchemy (literal_binds).
    return f"SELECT row_to_json(t) FROM ({inner}) t ORDER BY {order}"  # noqa: S608


def _paged_sql(conn, columns, where, key) -> str:
    """One statement (one snapshot) yielding the rows' JSON lines PAGE_ROWS at a time in `key` order,
    each COPY row `count \\x02 \\x01lines joined by ",\\n"\\x01`: a recursive query whose every step is a
    keyset page (`key > last ORDER BY key LIMIT n`, a range scan of the index) aggregated into one text.
    PostgreSQL streams each page as it is built and holds one page at a time (no sort or hash over the
    whole set). string_agg takes the page in the order of its sorted subquery (an explicit ORDER BY in
    the aggregate would sort every page again: +0.1 s of PostgreSQL CPU per million rows)."""
    page = (select(*[col.label(name) for name, col in columns])
            .where(*where, key > literal_column("p.last")).order_by(key).limit(PAGE_ROWS))
    inner = str(page.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    return ("WITH RECURSIVE p(n, last, body) AS (SELECT 0::bigint, (-9223372036854775808)::bigint, NULL::text "  # noqa: S608
            "UNION ALL SELECT s.n, s.last, s.body FROM p, LATERAL ("
            f'SELECT count(*), max(t."{_label(columns, key)}")::bigint, string_agg(row_to_json(t)::text, E\',\\n\') '
            f"FROM ({inner}) t) s(n, last, body) WHERE p.last IS NOT NULL) "  # an empty page (last NULL) ends it
            "SELECT n, body FROM p WHERE n > 0")


def _line_blocks(pgconn, sql: str) -> Iterator[tuple[bytes, int]]:
    for block in copy_out_blocks(pgconn, sql):
        yield block[:-1].replace(b"\n", b",\n"), block.count(b"\n")


def _page_rows(row: bytes) -> tuple[bytes, int]:
    """A paged COPY row `n\\x02\\x01lines\\x01\\n`: (lines, n)."""
    cut = row.index(b"\x02")
    return row[cut + 2:-2], int(row[:cut])


def copy_out_blocks(pgconn, sql: str, parse: Callable[[bytes], tuple[bytes, int]] | None = None,
                    block_bytes: int = FLUSH_BYTES) -> Iterator:
    """COPY … TO STDOUT read straight off libpq in blocks of about `block_bytes` (many rows each).

    psycopg's Copy.read() costs a generator round trip per row (about a microsecond: a second per
    million log lines); here one Python step takes a row out of libpq's buffer and the caller sees a
    block only every megabyte. The rows are read on a thread of their own, up to READ_AHEAD_BLOCKS
    ahead, so PostgreSQL keeps sending while the caller works on a block. Without `parse`, blocks are
    the rows' bytes as sent; with it, (its texts joined by ",\\n", the sum of its counts). The
    connection is left idle in its transaction, as psycopg expects, also when the caller stops early.
    """
    pgconn.send_query(sql.encode())
    while pgconn.flush():  # non-blocking connection: push the query out
        io.select([], [pgconn.socket], [])
    started = _next_result(pgconn)
    if started.status != pq.ExecStatus.COPY_OUT:
        _drain_results(pgconn)
        raise psycopg.DatabaseError(started.error_message.decode(errors="replace") or "COPY did not start")
    reader = _CopyReader(pgconn, parse, block_bytes)
    try:
        while (block := reader.get()) is not None:
            yield block
    finally:
        reader.finish()


class _CopyReader:
    """A thread reading one COPY to its end into a bounded queue of blocks (None: the end)."""

    def __init__(self, pgconn, parse, block_bytes: int):
        self._pgconn, self._parse, self._block_bytes = pgconn, parse, block_bytes
        self._queue: queue.Queue = queue.Queue(maxsize=READ_AHEAD_BLOCKS)
        self._stopped = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="dsar-copy", daemon=True)
        self._thread.start()

    def get(self):
        block = self._queue.get()
        if block is None and self._error is not None:
            raise self._error
        return block

    def finish(self) -> None:
        """Wait for the thread (which reads the rest, unused, if the caller stopped early)."""
        self._stopped.set()
        self._thread.join()

    def _run(self) -> None:
        try:
            for block in _read_rows(self._pgconn, self._parse, self._block_bytes):
                while not self._stopped.is_set():  # a caller that stopped takes nothing more
                    try:
                        self._queue.put(block, timeout=0.05)
                        break
                    except queue.Full:
                        pass
            _drain_results(self._pgconn, check=not self._stopped.is_set())
        except BaseException as exc:  # handed to the caller with the end marker
            self._error = exc
        if not self._stopped.is_set():
            self._queue.put(None)


def _read_rows(pgconn, parse, block_bytes: int) -> Iterator:
    """The rows of a started COPY, to its end, joined into blocks of about block_bytes."""
    parts, size, rows = [], 0, 0
    while True:
        nbytes, data = pgconn.get_copy_data(1)
        if nbytes > 0:
            if parse is None:
                parts.append(bytes(data))
            else:
                text, n = parse(bytes(data))
                parts.append(text)
                rows += n
            size += nbytes
            if size >= block_bytes:
                yield b"".join(parts) if parse is None else (b",\n".join(parts), rows)
                parts, size, rows = [], 0, 0
        elif nbytes == 0:  # libpq's buffer is empty: wait for the server
            io.select([pgconn.socket], [], [])
            pgconn.consume_input()
        elif nbytes == -1:
            break
        else:
            raise psycopg.OperationalError(pgconn.get_error_message())
    if parts:
        yield b"".join(parts) if parse is None else (b",\n".join(parts), rows)


def _next_result(pgconn):
    while pgconn.is_busy():
        io.select([pgconn.socket], [], [])
        pgconn.consume_input()
    return pgconn.get_result()


def _drain_results(pgconn, check: bool = False) -> None:
    """Read results until libpq has none left (only then can the connection run another command)."""
    error = None
    while (result := _next_result(pgconn)) is not None:
        if result.status != pq.ExecStatus.COMMAND_OK and error is None:
            error = result.error_message.decode(errors="replace")
    if check and error:
        raise psycopg.DatabaseError(error)
