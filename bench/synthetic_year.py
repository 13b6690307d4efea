"""A year of a hospital's post-discharge follow-up, made up but realistic, for the reports'
benchmark, scale test and demo: `seed_year(engine, 100_000, end=..., flows=...)`.

Every row is one the product itself could have written: the shipped flows' ids, questions (in
flow order, by the flows' own branches), rules, severities and schedules; check-ins planned by
the product's own scheduler; times that follow one another (a reply after its question, an
acknowledgement after its alert, nothing after `end`). The same seed gives the same year.

    python -m bench.synthetic_year --db sqlite:///data/year.db --discharges 20000
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, text, update
from sqlalchemy.orm import Session

from assistant.conversation.flow_loader import FlowLibrary
from assistant.conversation.flow_versions import FlowVersions
from assistant.conversation.flows import Flow
from assistant.conversation.prompts import PromptCatalogue
from assistant.foundation.business_days import BusinessCalendar
from assistant.foundation.config import PROJECT_ROOT
from assistant.records.models import Patient

from .synthetic_care import Care
from .synthetic_people import People
from .synthetic_rows import (
    COLUMNS,
    Rows,
    fix_sequences,
    made_aside,
    next_ids,
    set_indexes_aside,
    write,
)
from .synthetic_stay import Discharges, day_weights
from .synthetic_talk import Talker
from .synthetic_words import Answers, Wording

# Bump when the generator changes what it writes: cached databases are keyed by it.
GENERATOR_VERSION = 1
BATCH_DISCHARGES = 2_000
DAYS = 365
# Share of discharges per flow (a flow not named here gets the general flow's share).
FLOW_SHARES = {"general": 0.35, "heart_failure": 0.18, "copd": 0.12, "pneumonia": 0.12,
               "diabetes": 0.10, "post_surgery": 0.13}
PROGRAMME_UTC_OFFSET = timedelta(hours=-5)  # discharges are spread over New York days


@dataclass(frozen=True)
class SeedSummary:
    discharges: int
    rows: dict[str, int]  # rows written, per table
    seconds: float
    first_discharge: datetime | None
    last_discharge: datetime | None

    def __str__(self) -> str:
        counts = ", ".join(f"{name} {count:,}" for name, count in self.rows.items() if count)
        return (f"{self.discharges:,} discharges ({self.first_discharge:%Y-%m-%d} to "
                f"{self.last_discharge:%Y-%m-%d}) in {self.seconds:.1f} s: {counts}")


def seed_year(engine: Engine, discharges: int, *, end: datetime, seed: int = 17,
              flows: FlowLibrary) -> SeedSummary:
    """Write `discharges` discharges spread over the 365 days before `end` (naive UTC), with
    everything that followed each up to `end`, into a migrated database (rows already there
    are kept). Deterministic for a seed."""
    started = time.perf_counter()
    rng = random.Random(seed)
    versions = _flow_versions(engine, flows, end - timedelta(days=DAYS + 30))
    chosen = sorted(flows.flows.values(), key=lambda flow: flow.id)
    shares = [FLOW_SHARES.get(flow.id, FLOW_SHARES["general"]) for flow in chosen]
    times = _discharge_times(rng, discharges, end, seed)
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        restore = _fast_sqlite(connection) if sqlite else []
        first_ids = next_ids(connection)
        indexes = set_indexes_aside(connection, first_ids)
        connection.commit()
        written = dict.fromkeys(COLUMNS, 0)
        opted_out: list[tuple[int, datetime]] = []
        make = partial(_batches, Rows(first_ids, sqlite), rng, chosen, shares, versions, end,
                       times)
        try:
            for tables, opting_out in made_aside(make):
                write(connection, tables, written)
                connection.commit()
                opted_out += opting_out
        finally:
            _finish(connection, opted_out, indexes, restore)
    return SeedSummary(discharges, written, time.perf_counter() - started,
                       times[0] if times else None, times[-1] if times else None)


def _batches(rows: Rows, rng: random.Random, flows: list[Flow], shares: list[float],
             versions: dict[str, int], end: datetime, times: list[datetime]
             ) -> Iterator[tuple[dict[str, list[tuple[Any, ...]]], list[tuple[int, datetime]]]]:
    """The year, a batch of discharges at a time: each batch's rows, table by table, and the
    patients who opted out in it (written last, as an update)."""
    people = People(rows, rng)
    wording = Wording(PromptCatalogue.load(PROJECT_ROOT / "prompts"))
    talker = Talker(rows, rng, wording, {flow.id: Answers(flow) for flow in flows})
    stays = Discharges(people, talker, Care(rows, rng, end), flows, shares, versions, end)
    for first in range(0, len(times), BATCH_DISCHARGES):
        for left in times[first:first + BATCH_DISCHARGES]:
            stays.discharge(left)
        opting_out, people.opted_out = people.opted_out, []
        yield rows.take(), opting_out


def _finish(connection: Connection, opted_out: list[tuple[int, datetime]],
            indexes: list[str], restore: list[str]) -> None:
    """What follows the bulk write, even after a failure (the indexes come back): patients'
    opt-outs, the indexes set aside, the sequences, statistics, the connection's settings."""
    connection.rollback()
    if opted_out:
        connection.execute(
            update(Patient).where(Patient.id == bindparam("pid"))
            .values(opted_out_at=bindparam("at")),
            [{"pid": patient_id, "at": at} for patient_id, at in opted_out])
    for statement in indexes:
        connection.exec_driver_sql(statement)
    fix_sequences(connection)
    connection.commit()
    for statement in restore:
        connection.exec_driver_sql(statement)
    connection.commit()
    if connection.dialect.name == "postgresql":
        # What autovacuum would have done by now: statistics for the planner, and the
        # visibility map that lets it answer from an index alone.
        with connection.engine.connect() as vacuuming:
            vacuuming.execution_options(isolation_level="AUTOCOMMIT").execute(
                text("VACUUM ANALYZE"))


def _discharge_times(rng: random.Random, count: int, end: datetime, seed: int) -> list[datetime]:
    """Discharge moments over the year: by day (weekday, season, holidays), then mostly
    between late morning and evening."""
    local_end = end + PROGRAMME_UTC_OFFSET
    first_day = (local_end - timedelta(days=DAYS)).date()
    weights = day_weights(first_day, DAYS, BusinessCalendar("US"), seed)
    days = rng.choices(range(DAYS), weights=weights, k=count)
    times = []
    for offset in days:
        hour = min(21.5, max(7.0, rng.gauss(14.5, 2.5)))
        local = datetime.combine(first_day + timedelta(days=offset + 1), datetime.min.time())
        moment = local + timedelta(hours=hour) - PROGRAMME_UTC_OFFSET
        times.append(min(moment, end - timedelta(minutes=rng.uniform(5, 600))))
    times.sort()
    return times


def _flow_versions(engine: Engine, flows: FlowLibrary, published: datetime) -> dict[str, int]:
    """Each flow's current version (published if the database has none equal to the file)."""
    versions = FlowVersions(PromptCatalogue.load(PROJECT_ROOT / "prompts"))
    with Session(engine) as session, session.begin():
        return {flow.id: versions.current(session, flow, published).id
                for flow in flows.flows.values()}


def _fast_sqlite(connection) -> list[str]:  # type: ignore[no-untyped-def]
    """Bulk-loading settings for this connection only; returns the statements restoring them
    (the connection goes back to the pool, where the application may use it)."""
    synchronous = connection.exec_driver_sql("PRAGMA synchronous").scalar()
    cache = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql("PRAGMA synchronous=OFF")
    connection.exec_driver_sql("PRAGMA cache_size=-262144")  # 256 MiB
    return [f"PRAGMA synchronous={synchronous}", f"PRAGMA cache_size={cache}"]


def main() -> None:
    from assistant.foundation.config import Settings
    from assistant.records.db import make_engine, upgrade, utc_now

    parser = argparse.ArgumentParser(prog="python -m bench.synthetic_year",
                                     description="Add a synthetic year of discharges.")
    parser.add_argument("--db", required=True, help="database URL (migrated first)")
    parser.add_argument("--discharges", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--end", help="last moment of the year, YYYY-MM-DD (default: now)")
    args = parser.parse_args()
    end = datetime.fromisoformat(args.end) if args.end else utc_now()
    upgrade(args.db)
    settings = Settings(database_url=args.db)
    flows = FlowLibrary.load(settings.flows_dir, PromptCatalogue.load(settings.prompts_dir))
    engine = make_engine(args.db, statement_timeout_ms=600_000)
    try:
        print(seed_year(engine, args.discharges, end=end, seed=args.seed, flows=flows))
    finally:
        engine.dispose()


if __name__ == "__main__":
    main()
