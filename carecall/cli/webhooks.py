"""`carecall webhooks`: hospital systems told of alert events (raised, acknowledged,
resolved) by a signed POST."""

from __future__ import annotations

from urllib.parse import urlparse

import click

from carecall.cli import root

LOCAL = ("localhost", "127.0.0.1", "::1")


@root.main.group()
def webhooks() -> None:
    """Alert events for the hospital's systems."""


@webhooks.command("add")
@click.argument("url")
@click.option("--events", default="raised,acknowledged,resolved", show_default=True,
              help="Which alert events, separated by commas.")
@click.option("--with-health-information", is_flag=True,
              help="Include severity, reason and summary (else ids only).")
def webhooks_add(url: str, events: str, with_health_information: bool) -> None:
    """Subscribe URL; prints the signing secret once (keep it with the receiver)."""
    from assistant.care_team.webhooks_out import EVENTS, new_secret
    from assistant.records.db import utc_now
    from assistant.records.interfaces import WebhookSubscription

    parsed = urlparse(url)
    if parsed.scheme != "https" and not (parsed.scheme == "http" and parsed.hostname in LOCAL):
        root.fail(f"{url!r}: give an https:// address (plain http only to this machine)")
    chosen = [event.strip() for event in events.split(",") if event.strip()]
    unknown = [event for event in chosen if event not in EVENTS]
    if unknown or not chosen:
        root.fail(f"--events: choose among {', '.join(EVENTS)}")
    secret = new_secret()
    _, scope = root.session_scope()
    with scope as session:
        subscription = WebhookSubscription(url=url, secret=secret, events=chosen,
                                           with_health_information=with_health_information,
                                           active=True, created_at=utc_now())
        session.add(subscription)
        session.flush()
        click.echo(f"subscription {subscription.id}: {url} ({', '.join(chosen)}"
                   f"{', with health information' if with_health_information else ', ids only'})")
    click.echo(f"signing secret (shown once): {secret}")


@webhooks.command("list")
def webhooks_list() -> None:
    from sqlalchemy import select

    from assistant.records.interfaces import WebhookSubscription

    _, scope = root.session_scope()
    with scope as session:
        for s in session.scalars(select(WebhookSubscription).order_by(WebhookSubscription.id)):
            state = "active" if s.active else "removed"
            click.echo(f"{s.id}  {s.url}  {','.join(s.events)}  "
                       f"{'health information' if s.with_health_information else 'ids only'}"
                       f"  {state}")


@webhooks.command("remove")
@click.argument("subscription_id", type=int)
def webhooks_remove(subscription_id: int) -> None:
    """Stop telling this subscription (its delivery history stays)."""
    from assistant.records.interfaces import WebhookSubscription

    _, scope = root.session_scope()
    with scope as session:
        subscription = session.get(WebhookSubscription, subscription_id)
        if subscription is None:
            root.fail(f"no subscription {subscription_id}: 'carecall webhooks list'")
        subscription.active = False
    click.echo(f"subscription {subscription_id} removed")
