"""`carecall alerts` and `carecall audit`: acting on alerts, and the audit log."""

from __future__ import annotations

import click

from carecall.cli.root import (
    fail,
    main,
    session_scope,
)


@main.group()
def alerts() -> None:
    """Acknowledge and resolve alerts (the dashboard does the same)."""


def _alert_and_user(session, alert_id: int, username: str):  # type: ignore[no-untyped-def]
    from assistant.care_team.roster import RosterError, find
    from assistant.records.models import Alert

    alert = session.get(Alert, alert_id)
    if alert is None:
        fail(f"there is no alert {alert_id}")
    try:
        return alert, find(session, username)
    except RosterError as exc:
        fail(str(exc))


@alerts.command("ack")
@click.argument("alert_id", type=int)
@click.option("--by", "username", required=True, help="Your user name.")
def alerts_ack(alert_id: int, username: str) -> None:
    from assistant.care_team.alert_lifecycle import acknowledge
    from assistant.records.db import utc_now

    _, scope = session_scope()
    with scope as session:
        alert, user = _alert_and_user(session, alert_id, username)
        done = acknowledge(session, alert, user, utc_now())
        click.echo(f"alert {alert_id} " + ("acknowledged" if done else f"was {alert.status}"))


@alerts.command("resolve")
@click.argument("alert_id", type=int)
@click.option("--by", "username", required=True, help="Your user name.")
@click.option("--resolution", required=True, type=click.Choice(
    ["reached_by_phone", "sent_to_emergency_care", "appointment_made", "no_action_needed",
     "other"]))
@click.option("--note", help="What was done.")
def alerts_resolve(alert_id: int, username: str, resolution: str, note: str | None) -> None:
    from assistant.care_team.alert_lifecycle import LifecycleError, resolve
    from assistant.records.db import utc_now

    _, scope = session_scope()
    try:
        with scope as session:
            alert, user = _alert_and_user(session, alert_id, username)
            resolve(session, alert, user, resolution, note, utc_now())
    except LifecycleError as exc:
        fail(str(exc))
    click.echo(f"alert {alert_id} resolved ({resolution})")


@main.group()
def audit() -> None:
    """The append-only audit log."""


@audit.command("export")
@click.option("--since", help="Only events from this ISO 8601 date-time (UTC).")
@click.option("--format", "form", type=click.Choice(["jsonl", "csv"]), default="jsonl",
              show_default=True)
def audit_export(since: str | None, form: str) -> None:
    from datetime import datetime

    from assistant.records.audit import events, export

    start = None
    if since:
        try:
            start = datetime.fromisoformat(since).replace(tzinfo=None)
        except ValueError:
            fail(f"--since {since!r} is not an ISO 8601 date-time")
    _, scope = session_scope()
    with scope as session:
        click.echo(export(events(session, start), form), nl=False)
