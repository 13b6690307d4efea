"""Time arithmetic and order statistics in SQL that read the same on SQLite and PostgreSQL.

The two spell "seconds between two timestamps" and "the Monday of this week" differently, and
SQLite has no percentile function: these constructs compile to each dialect's own words, and
percentiles are read by rank (ORDER BY ... OFFSET) so the database sorts and Python only
receives the one value."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Float, Select, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnElement, FunctionElement
from sqlalchemy.types import Date


class seconds_between(FunctionElement[float]):
    """seconds_between(later, earlier): the seconds from `earlier` to `later`."""

    type = Float()
    inherit_cache = True


@compiles(seconds_between)
def _seconds_generic(element: seconds_between, compiler: Any, **kw: Any) -> str:
    later, earlier = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"EXTRACT(EPOCH FROM ({later} - {earlier}))"


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element: seconds_between, compiler: Any, **kw: Any) -> str:
    later, earlier = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"((julianday({later}) - julianday({earlier})) * 86400.0)"


class week_start(FunctionElement[Any]):
    """week_start(moment, offset): the date of the Monday of its week on a local calendar,
    `offset` being the local clock's seconds ahead of UTC at that moment (stored times are
    UTC: a Sunday evening in New York is already Monday in UTC)."""

    type = Date()
    inherit_cache = True


@compiles(week_start)
def _week_generic(element: week_start, compiler: Any, **kw: Any) -> str:
    moment, offset = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"CAST(date_trunc('week', {moment} + ({offset}) * INTERVAL '1 second') AS DATE)"


@compiles(week_start, "sqlite")
def _week_sqlite(element: week_start, compiler: Any, **kw: Any) -> str:
    moment, offset = (compiler.process(arg, **kw) for arg in element.clauses)
    # 'weekday 1' moves forward to a Monday (or stays on one): from six days back, that is
    # the Monday on or before the day.
    return f"date({moment}, ({offset}) || ' seconds', '-6 days', 'weekday 1')"


def nearest_rank(count: int, share: float) -> int:
    """The 1-based rank of a percentile by the nearest-rank method: the smallest value with
    at least `share` of the values at or below it (the median of 4 is the 2nd)."""
    return max(1, math.ceil(share * count))


def percentiles(session: Session, values: Select[Any], shares: Sequence[float]
                ) -> tuple[int, list[float | None]]:
    """How many values a one-column select has (NULLs left out), and its percentiles, each
    read by its rank."""
    inner = values.subquery()
    column: ColumnElement[Any] = inner.c[0]
    count = session.scalar(select(func.count()).select_from(inner).where(column.is_not(None)))
    if not count:
        return 0, [None for _ in shares]
    found: list[float | None] = []
    for share in shares:
        value = session.scalar(select(column).where(column.is_not(None)).order_by(column)
                               .offset(nearest_rank(count, share) - 1).limit(1))
        found.append(None if value is None else float(value))
    return count, found
