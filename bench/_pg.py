"""Helpers shared by the bench scripts."""
import io


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
