"""Writing a synthetic year fast: rows built as tuples with ids assigned here (no round-trip
for a key), written a table at a time in the driver's own bulk path.

Measured on 300,000 message rows (2 cores, SQLite 3.40, PostgreSQL 15): SQLAlchemy Core's
`execute(insert(table), dicts)` does 55,000 rows/s on SQLite and 29,000 on PostgreSQL; the
same INSERT compiled by Core and handed to sqlite3's `executemany` 139,000; PostgreSQL's COPY
107,000. A year of a large hospital is about a hundred rows a discharge, so the bulk paths are
what make 100,000 discharges take a couple of minutes instead of seven.
"""

from __future__ import annotations

import itertools
import json
import multiprocessing
import operator
import queue
import random
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, func, insert, select, text

import assistant.records.care_records
import assistant.records.interfaces  # noqa: F401  (registers the readmission table)
from assistant.records.models import Base

# Each table's columns in the order the generator builds its tuples; tables in the order
# they are written (each after those its foreign keys point to).
COLUMNS: dict[str, tuple[str, ...]] = {
    "patient": ("id", "mrn", "mrn_authority", "name", "dob", "phone", "language", "time_zone",
                "contact_start_hour", "contact_end_hour", "preferred_channel", "created_at"),
    "episode": ("id", "patient_id", "visit_number", "disposition", "discharged_at", "facility",
                "diagnoses", "flow_id", "baseline", "tcm_deadline", "created_at"),
    "medication": ("id", "episode_id", "name", "dose", "change", "high_risk"),
    "appointment": ("id", "episode_id", "starts_at", "description", "clinician", "location"),
    "checkin": ("id", "episode_id", "flow_version_id", "label", "due_at", "channel",
                "fallback_channel", "attempt", "status", "claimed_by", "claimed_at", "sent_at",
                "reminded_at", "ended_at", "last_error", "cancel_reason"),
    "contact_attempt": ("id", "checkin_id", "patient_id", "kind", "channel", "started_at",
                        "outcome"),
    "conversation": ("id", "checkin_id", "patient_id", "state", "clarifications", "item_index",
                     "identity_failures", "stopped_at", "started_at", "last_activity_at",
                     "ended_at"),
    "message": ("id", "patient_id", "conversation_id", "direction", "channel", "from_number",
                "to_number", "body", "status", "created_at", "question_id", "unclear",
                "segments"),
    "answer": ("id", "conversation_id", "question_id", "value", "unit", "is_change", "raw",
               "understood", "message_id", "created_at"),
    "alert": ("id", "patient_id", "episode_id", "conversation_id", "severity", "reason",
              "question_id", "summary", "evidence", "status", "assignee", "kind", "due_at",
              "acknowledged_at", "resolved_at", "resolution", "notified_at", "renotified_at",
              "escalated_at", "digested_at", "created_at", "updated_at"),
    "alert_event": ("id", "alert_id", "action", "actor", "detail", "at"),
    "tcm_record": ("id", "episode_id", "first_contact_at", "first_contact_by", "face_to_face_on",
                   "medication_review_on", "medication_review_by", "medication_reviewer_role",
                   "updated_at", "updated_by"),
    "tcm_contact_attempt": ("id", "episode_id", "at", "outcome", "by_user", "spoke_with"),
    "readmission": ("id", "patient_id", "index_episode_id", "admitted_at",
                    "days_after_discharge", "visit_number", "source", "event", "recorded_at"),
}
BATCH = 5_000  # rows per executemany on SQLite
T = TypeVar("T")
_JSON_CONSTANTS = {True: "true", False: "false", None: "null"}
# SQLAlchemy's own SQLite form of a time: the reports compare these as text, so it must match.
_SQLITE_STAMP = operator.methodcaller("isoformat", " ", "microseconds")
_encode_text = json.encoder.encode_basestring_ascii  # type: ignore[attr-defined]


class Rows:
    """The rows of a batch of discharges, table by table, and the ids handed out so far.
    Times, days and JSON go through `time`, `day` and `json`, which put them in the form the
    database's driver takes (SQLite stores text, as SQLAlchemy writes it)."""

    def __init__(self, first_ids: dict[str, int], sqlite: bool) -> None:
        self.first_ids = dict(first_ids)
        self._ids = {name: itertools.count(first) for name, first in first_ids.items()}
        self.tables: dict[str, list[tuple[Any, ...]]] = {name: [] for name in COLUMNS}
        self.time: Callable[[datetime | None], Any] = _sqlite_time if sqlite else _same
        # `time` for a moment that is never None, without the test (messages, answers).
        self.stamp: Callable[[datetime], Any] = _SQLITE_STAMP if sqlite else _same
        self.day: Callable[[date | None], Any] = _sqlite_day if sqlite else _same

    def new_id(self, table: str) -> int:
        return next(self._ids[table])

    def add(self, table: str, row: tuple[Any, ...]) -> None:
        self.tables[table].append(row)

    def counter(self, table: str) -> Callable[[], int]:
        """`new_id` of one table, bound once for the busiest tables."""
        return self._ids[table].__next__

    def appender(self, table: str) -> Callable[[tuple[Any, ...]], None]:
        """`add` to one table, bound once (it stays valid across `take`)."""
        return self.tables[table].append

    def take(self) -> dict[str, list[tuple[Any, ...]]]:
        """The batch's rows; the tables are emptied for the next batch."""
        taken = {name: list(rows) for name, rows in self.tables.items()}
        for rows in self.tables.values():
            rows.clear()
        return taken

    @staticmethod
    def json(value: Any) -> str:
        # Most values are a boolean, a number or a word: spelt here without the encoder.
        if value is True or value is False or value is None:
            return _JSON_CONSTANTS[value]
        kind = type(value)
        if kind is int or kind is float:
            return repr(value)
        if kind is str:
            return _encode_text(value)
        return json.dumps(value, separators=(",", ":"))


def _same(value: Any) -> Any:
    return value


def _sqlite_time(moment: datetime | None) -> str | None:
    return None if moment is None else _SQLITE_STAMP(moment)


def _sqlite_day(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def next_ids(connection: Connection) -> dict[str, int]:
    """One past the highest id of each table: a database that already holds patients keeps
    them, and the year is added beside them."""
    ids = {}
    for name in COLUMNS:
        table = Base.metadata.tables[name]
        ids[name] = (connection.scalar(select(func.max(table.c.id))) or 0) + 1
    return ids


def made_aside(make: Callable[[], Iterator[T]]) -> Iterator[T]:
    """What `make` yields, made in a forked process while this one writes it: making a year
    and writing it each take about half the time, and one process would do them in turn
    (Python's lock keeps a thread from overlapping them). Made here where there is no fork."""
    try:
        context = multiprocessing.get_context("fork")
    except ValueError:
        yield from make()
        return
    channel = context.Queue(maxsize=2)  # bounds the batches held in memory
    maker = context.Process(target=_make_into, args=(make, channel), daemon=True,
                            name="synthetic-year")
    maker.start()
    try:
        while True:
            try:
                item = channel.get(timeout=1)
            except queue.Empty:
                if not maker.is_alive():
                    raise RuntimeError(
                        f"the synthetic year's maker died ({maker.exitcode})") from None
                continue
            if item is None:
                return
            if isinstance(item, _Failure):
                raise RuntimeError(f"making the synthetic year failed:\n{item.text}")
            yield item
    finally:
        if maker.is_alive():
            maker.terminate()
        maker.join()


@dataclass(frozen=True)
class _Failure:
    text: str


def _make_into(make: Callable[[], Iterator[Any]], channel: Any) -> None:
    try:
        for item in make():
            channel.put(item)
        channel.put(None)
    except BaseException:  # told to the writing process, which raises it
        channel.put(_Failure(traceback.format_exc()))


def write(connection: Connection, tables: dict[str, list[tuple[Any, ...]]],
          written: dict[str, int]) -> None:
    """Write one batch's rows, in foreign-key order."""
    sqlite = connection.dialect.name == "sqlite"
    raw = connection.connection.driver_connection
    for name, columns in COLUMNS.items():
        batch = tables[name]
        if not batch:
            continue
        if sqlite:
            statement = str(insert(Base.metadata.tables[name]).compile(
                dialect=connection.dialect, column_keys=list(columns)))
            cursor = raw.cursor()  # type: ignore[union-attr]
            for first in range(0, len(batch), BATCH):
                cursor.executemany(statement, batch[first:first + BATCH])
            cursor.close()
        else:
            with raw.cursor() as cursor, cursor.copy(  # type: ignore[union-attr]
                    f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in batch:
                    copy.write_row(row)
        written[name] += len(batch)


def fix_sequences(connection: Connection) -> None:
    """PostgreSQL hands out ids from a sequence that knew nothing of the ids given here: move
    each past the highest, so the application's own inserts go on working."""
    if connection.dialect.name != "postgresql":
        return
    for name in COLUMNS:
        connection.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
            f"COALESCE((SELECT max(id) FROM {name}), 1))"))


def pick(rng: random.Random, weighted: Sequence[tuple[Any, float]]) -> Any:
    """One of the values, each as likely as its weight (the weights need not add up to 1)."""
    draw = rng.random() * sum(weight for _, weight in weighted)
    for value, weight in weighted:
        draw -= weight
        if draw < 0:
            return value
    return weighted[-1][0]


def set_indexes_aside(connection: Connection, first_ids: dict[str, int]) -> list[str]:
    """On SQLite, drop the secondary indexes of the tables still empty, returning the
    statements that build them again: building an index once over a year's rows is about
    twice as fast as keeping it up to date row by row. (PostgreSQL's COPY is fast enough.)"""
    if connection.dialect.name != "sqlite":
        return []
    empty = [name for name in COLUMNS if first_ids[name] == 1]
    found = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({', '.join('?' * len(empty))})", tuple(empty)).all() if empty else []
    for name, _ in found:
        connection.exec_driver_sql(f'DROP INDEX "{name}"')
    return [sql for _, sql in found]
