"""Helpers shared by the bench scripts."""
import io
import uuid
from contextlib import contextmanager


def copy_rows(cur, sql: str, rows) -> None:
    """Stream tab-separated rows into PostgreSQL's COPY … FROM STDIN, 50k rows per write."""
    with cur.copy(sql) as copy:
        buf = io.StringIO()
        for i, row in enumerate(rows):
            buf.write("\t".join(row) + "\n")
            if i % 50000 == 49999:
                copy.write(buf.getvalue())
                buf = io.StringIO()
        copy.write(buf.getvalue())


@contextmanager
def scratch_database(admin_url: str, prefix: str, keep: bool = False, reuse: str | None = None):
    """Create a scratch database (or reuse a kept one), yield its libpq URL, drop it unless kept."""
    import psycopg

    name = reuse or f"{prefix}_{uuid.uuid4().hex[:8]}"
    if not reuse:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{admin_url.rsplit('/', 1)[0]}/{name}"
    finally:
        if keep or reuse:
            print(f"kept database {name}")
        else:
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
