"""`carecall`: the command line, one module per command group. Names, flags and JSON here
are a contract other tools use."""

from carecall.cli import (  # noqa: F401  (each module adds its commands to the group)
    alerts,
    conversation,
    database,
    enrolment,
    exporting,
    flows,
    hl7_feed,
    importing,
    processes,
    reporting,
    senders,
    spool,
    team,
    webhooks,
)
from carecall.cli.root import main

__all__ = ["main"]
