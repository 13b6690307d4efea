"""`carecall hl7`: the hospital's HL7 v2 ADT feed over MLLP."""

from __future__ import annotations

import click

from carecall.cli import root


@root.main.group()
def hl7() -> None:
    """The hospital's ADT feed (HL7 v2 over MLLP)."""


@hl7.command("listen")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 for every interface).")
@click.option("--port", default=2575, show_default=True, help="TCP port (0: any free one).")
def listen(host: str, port: int) -> None:
    """Receive ADT messages: A03 discharges become stays with check-ins, A01/A04 pause a
    readmitted patient's follow-up, A08 updates demographics, A11/A13 cancel."""
    import asyncio
    import os
    from pathlib import Path

    from assistant.intake.flow_choice import DEFAULT_TABLE, FlowTable, FlowTableError
    from assistant.records.db import upgrade
    from carecall.hl7_listener import serve

    settings = root.load_cli_settings()
    upgrade(settings.database_url)
    services = root.build_cli_services(settings)
    table_path = Path(os.environ.get("CARECALL_DIAGNOSIS_FLOWS") or DEFAULT_TABLE)
    try:
        table = FlowTable.load(table_path, set(services.flows.flows))
    except (OSError, FlowTableError) as exc:
        root.fail(str(exc))

    def ready(bound_host: str, bound_port: int) -> None:
        click.echo(f"listening for HL7 (MLLP) on {bound_host}:{bound_port}", err=False)

    try:
        asyncio.run(serve(services, table, host, port, ready))
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        root.fail(f"cannot listen on {host}:{port}: {exc.strerror}")
    finally:
        services.close()
