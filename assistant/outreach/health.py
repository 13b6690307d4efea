"""What `/health` reports, for a load balancer and for whoever is on call: can the database be
reached, which workers ticked lately, and how many texts wait in the spool.

Workers leave a sign of life at every tick (`worker_beat`); one silent for three ticks is
reported as stale. The report is "ok", "degraded" (the web side works but no worker is alive,
or texts wait in the spool) or "down" (no database: texts are spooled, check-ins wait)."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, select, text

from assistant.records.db import DATABASE_AWAY, transaction
from assistant.records.operations import WorkerBeat

if TYPE_CHECKING:  # the wiring (assistant.services) imports this module
    from assistant.services import Services

FORGET_AFTER = timedelta(days=7)  # a worker silent this long is gone, not stale


def beat(services: Services, worker_id: str, started_at_line: tuple[object, str]) -> None:
    started_at, line = started_at_line
    now = services.clock()
    with transaction(services.sessions) as session:
        row = session.get(WorkerBeat, worker_id)
        if row is None:
            session.add(WorkerBeat(worker_id=worker_id, started_at=started_at,
                                   last_tick_at=now, settings=line[:400]))
        else:
            row.last_tick_at = now
        session.execute(delete(WorkerBeat).where(WorkerBeat.last_tick_at < now - FORGET_AFTER))


def health(services: Services) -> dict:
    now = services.clock()
    report: dict = {"spool": {"waiting": services.spool.waiting()}}
    started = time.monotonic()
    try:
        with services.sessions() as session:
            session.execute(text("SELECT 1"))
            beats = session.scalars(select(WorkerBeat).order_by(WorkerBeat.worker_id)).all()
    except DATABASE_AWAY as exc:
        report |= {"status": "down", "database": {"ok": False, "error": type(exc).__name__},
                   "workers": []}
        return report
    stale_after = timedelta(seconds=3 * services.settings.tick_seconds)
    workers = [{"id": b.worker_id, "last_tick": b.last_tick_at.isoformat() + "Z",
                "alive": now - b.last_tick_at <= stale_after} for b in beats]
    report["database"] = {"ok": True,
                          "milliseconds": round((time.monotonic() - started) * 1000, 1)}
    report["workers"] = workers
    healthy = any(w["alive"] for w in workers) and not report["spool"]["waiting"]
    report["status"] = "ok" if healthy else "degraded"
    return report
