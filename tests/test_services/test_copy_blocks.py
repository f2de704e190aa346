"""Reading COPY straight off libpq in blocks: every row exactly once, and the connection stays usable
when the reader stops early or the query fails half-way."""
import psycopg
import pytest
from sqlalchemy import text

from app.dsar.pgcopy import copy_out_blocks
from app.extensions import db

pytestmark = pytest.mark.server_only  # COPY is PostgreSQL's


def _pgconn():
    return db.session.connection().connection.dbapi_connection.pgconn


def test_every_row_once_in_blocks_of_about_the_asked_size():
    blocks = list(copy_out_blocks(_pgconn(), "COPY (SELECT n FROM generate_series(1, 50000) n) TO STDOUT",
                                  block_bytes=20000))
    assert len(blocks) > 5 and all(b.endswith(b"\n") for b in blocks)
    assert b"".join(blocks).split() == [str(n).encode() for n in range(1, 50001)]
    assert db.session.execute(text("SELECT 42")).scalar() == 42  # same transaction, still fine


def test_stopping_early_leaves_the_connection_usable():
    reader = copy_out_blocks(_pgconn(), "COPY (SELECT n FROM generate_series(1, 200000) n) TO STDOUT",
                             block_bytes=1000)
    assert next(reader).startswith(b"1\n")
    reader.close()
    assert db.session.execute(text("SELECT 43")).scalar() == 43


def test_a_failure_half_way_raises_and_the_session_recovers():
    with pytest.raises(psycopg.DatabaseError, match="division by zero"):
        list(copy_out_blocks(_pgconn(), "COPY (SELECT 1 / (n - 30000) FROM generate_series(1, 50000) n) TO STDOUT",
                             block_bytes=1000))
    db.session.rollback()
    assert db.session.execute(text("SELECT 44")).scalar() == 44
