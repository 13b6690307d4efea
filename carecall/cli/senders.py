"""`carecall senders`: the Twilio numbers and messaging services the workers send from, each
with the rate the carrier allows it. Every worker shares these rates."""

from __future__ import annotations

import re

import click
import phonenumbers

from carecall.cli.root import fail, main, session_scope

MESSAGING_SERVICE = re.compile(r"^MG[0-9a-fA-F]{32}$")


def _address(text: str) -> str:
    """An E.164 phone number or a messaging service SID, as Twilio expects it."""
    if MESSAGING_SERVICE.match(text):
        return text
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        fail(f"{text!r} is neither a phone number in +E.164 form (+12015550100) nor a "
             "messaging service SID (MG followed by 32 hex digits)")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _rate(value: float) -> float:
    if not 0 < value <= 1000:
        fail(f"--rate {value}: give the messages per second the carrier allows (long code 1, "
             "toll-free 3, short code 100)")
    return value


@main.group()
def senders() -> None:
    """Numbers and messaging services to send from, and their rates."""


@senders.command("list")
def list_senders() -> None:
    from sqlalchemy import select

    from assistant.records.operations import Sender

    _, transaction = session_scope()
    with transaction as session:
        rows = session.scalars(select(Sender).order_by(Sender.id)).all()
        if not rows:
            click.echo("no senders yet: the first send adds CARECALL_TWILIO_FROM_NUMBER "
                       "(or the messaging service) at CARECALL_SEND_RATE_PER_SECOND")
        for sender in rows:
            state = "active" if sender.active else "inactive"
            click.echo(f"{sender.address}  {sender.per_second:g}/s  {state}")


@senders.command("add")
@click.argument("address")
@click.option("--rate", type=float, required=True, help="Messages per second it may send.")
def add_sender(address: str, rate: float) -> None:
    """Add a number or messaging service (or reactivate it with a new rate)."""
    from datetime import UTC, datetime

    from sqlalchemy import select

    from assistant.records.operations import Sender

    address, rate = _address(address), _rate(rate)
    _, transaction = session_scope()
    with transaction as session:
        sender = session.scalar(select(Sender).where(Sender.address == address))
        if sender is None:
            session.add(Sender(address=address, per_second=rate, next_slot=0.0, active=True,
                               created_at=datetime.now(UTC).replace(tzinfo=None)))
            click.echo(f"added {address} at {rate:g} messages/s")
        else:
            sender.per_second, sender.active = rate, True
            click.echo(f"{address} already known: now active at {rate:g} messages/s")


@senders.command("set")
@click.argument("address")
@click.option("--rate", type=float, help="Messages per second it may send.")
@click.option("--active/--inactive", default=None, help="Send from it, or stop.")
def set_sender(address: str, rate: float | None, active: bool | None) -> None:
    """Change a sender's rate, or stop sending from it (its history stays)."""
    from sqlalchemy import select

    from assistant.records.operations import Sender

    address = _address(address)
    _, transaction = session_scope()
    with transaction as session:
        sender = session.scalar(select(Sender).where(Sender.address == address))
        if sender is None:
            fail(f"no sender {address}: 'carecall senders list' shows them")
        if rate is not None:
            sender.per_second = _rate(rate)
        if active is not None:
            sender.active = active
        state = "active" if sender.active else "inactive"
        click.echo(f"{address}: {sender.per_second:g} messages/s, {state}")
