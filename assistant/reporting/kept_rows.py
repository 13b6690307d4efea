"""A report's intermediate rows (the period's discharges, their facts, their conversations)
computed once into a temporary table and read by every figure, instead of computed again
inside each figure's statement.

Each evaluation of `episode_facts` walks the check-ins, contact attempts and replies of the
whole database (SQLite drives it from the check-ins, to group them in index order; PostgreSQL
hashes them all); a report reads the facts in about twenty statements, so a year's report made
twenty passes over the database, and the planners misjudged the subquery's size besides (a
nested loop over it on PostgreSQL). Kept in a table with a primary key and statistics, the
facts cost one pass, each figure is an aggregate over one row per discharge, and the planner
knows how few rows a short period has. Temporary tables are private to the connection and
dropped after use."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Column, MetaData, Subquery, Table, insert, select, text
from sqlalchemy.orm import Session


@contextmanager
def kept(session: Session, rows: Subquery, key: str) -> Iterator[Table]:
    """`rows` as a temporary table whose primary key is the column `key`, dropped when done."""
    name = f"report_{rows.name}_{uuid.uuid4().hex[:12]}"
    table = Table(name, MetaData(),
                  *[Column(column.name, column.type, primary_key=column.name == key)
                    for column in rows.c],
                  prefixes=["TEMPORARY"])
    connection = session.connection()
    table.create(connection)
    try:
        connection.execute(insert(table).from_select(list(rows.c.keys()), select(rows)))
        # Never analysed otherwise (autovacuum leaves temporary tables alone; SQLite analyses
        # nothing by itself): without its size, the planner guesses.
        connection.execute(text(f'ANALYZE "{name}"'))
        yield table
    finally:
        table.drop(connection)
