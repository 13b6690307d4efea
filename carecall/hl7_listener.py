"""`carecall hl7 listen`: an MLLP listener for the hospital's ADT feed (the `hl7` package's
asyncio server). Each message is processed in a worker thread (the database is synchronous)
and acknowledged on the same connection, in order, once its outcome is committed."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import hl7.mllp

from assistant.intake.adt import receive_adt
from assistant.intake.flow_choice import FlowTable
from assistant.records.db import DATABASE_AWAY
from assistant.services import Services

log = logging.getLogger(__name__)
MAX_MESSAGE_BYTES = 1024 * 1024  # an ADT message is a few kilobytes


async def serve(services: Services, table: FlowTable, host: str, port: int,
                ready: Callable[[str, int], None]) -> None:
    async def connection(reader: hl7.mllp.HL7StreamReader,
                         writer: hl7.mllp.HL7StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        loop = asyncio.get_running_loop()
        try:
            while True:
                try:
                    block = await reader.readblock()
                except asyncio.IncompleteReadError:
                    return  # the sender closed the connection
                except (hl7.mllp.InvalidBlockError, ValueError) as exc:
                    log.warning("MLLP framing error from %s: %s; closing", peer, exc)
                    return
                raw = block.decode("utf-8", errors="replace")
                try:
                    outcome, ack = await loop.run_in_executor(None, receive_adt, services,
                                                              raw, table)
                except DATABASE_AWAY:
                    # Not stored, so not acknowledged: the sender keeps it and sends again.
                    log.error("database away: closing %s without an ACK", peer)
                    return
                log.info("HL7 from %s: %s %s", peer, outcome.ack_code, outcome.detail)
                writer.writeblock(ack.encode("utf-8"))
                await writer.drain()
        finally:
            writer.close()

    server = await hl7.mllp.start_hl7_server(connection, host, port,
                                             limit=MAX_MESSAGE_BYTES)
    bound = server.sockets[0].getsockname()
    ready(bound[0], bound[1])
    async with server:
        await server.serve_forever()
