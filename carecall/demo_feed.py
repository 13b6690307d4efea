"""The demo's ADT feed: the MLLP listener in a thread of the demo process, and a discharge
message ready to send to it (with times relative to now), so a hospital's interface analyst
can watch a discharge arrive without an interface engine."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from assistant.foundation.config import PROJECT_ROOT
from assistant.intake.flow_choice import FlowTable
from assistant.services import Services
from carecall.hl7_listener import serve

SAMPLE = PROJECT_ROOT / "tests" / "data" / "hl7" / "a03_discharge.hl7"


def start_feed(services: Services, folder: Path) -> tuple[int, Path]:
    """Listen on a free local port; returns it and the path of a ready A03 message."""
    bound: list[int] = []
    ready = threading.Event()

    def on_ready(_host: str, port: int) -> None:
        bound.append(port)
        ready.set()

    table = FlowTable.load(known_flows=set(services.flows.flows))
    threading.Thread(target=lambda: asyncio.run(serve(services, table, "127.0.0.1", 0,
                                                      on_ready)),
                     name="demo-hl7-feed", daemon=True).start()
    if not ready.wait(timeout=10):
        raise RuntimeError("the demo's HL7 listener did not start")
    now = datetime.now(UTC)
    message = SAMPLE.read_text(encoding="utf-8")
    message = message.replace("{DISCHARGED}", (now - timedelta(hours=3)).strftime(
        "%Y%m%d%H%M+0000")).replace("{ADMITTED}", (now - timedelta(days=4)).strftime(
        "%Y%m%d%H%M+0000"))
    path = folder / "a03_discharge.hl7"
    path.write_text(message, encoding="utf-8")
    return bound[0], path
