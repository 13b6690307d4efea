"""`carecall users` and `carecall tokens`: the care team's accounts and the API's tokens."""

from __future__ import annotations

import click

from carecall.cli.root import (
    main,
    session_scope,
    transact,
)


@main.group()
def users() -> None:
    """Coordinators and admins: who is notified, when, and who backs them up."""


@users.command("add")
@click.argument("username")
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(["coordinator", "admin"]), default="coordinator",
              show_default=True)
@click.option("--phone", help="Mobile for SMS notifications.")
@click.option("--email", help="Address for e-mail notifications.")
@click.option("--on-call", default="always", show_default=True,
              help='Hours like "Mon-Fri 08:00-17:00" (default time zone), or "always".')
def users_add(username: str, name: str, role: str, phone: str | None, email: str | None,
              on_call: str) -> None:
    from assistant.care_team.roster import RosterError, add_user

    user = transact(lambda session, settings, now: add_user(
        session, settings, username=username, name=name, role=role, phone=phone, email=email,
        on_call=on_call, now=now, actor="cli"), RosterError)
    click.echo(f"added {user.username} ({user.role}), on call {user.on_call}")


@users.command("set-backup")
@click.argument("username")
@click.argument("backup")
def users_set_backup(username: str, backup: str) -> None:
    from assistant.care_team.roster import RosterError, set_backup

    transact(lambda session, _, now: set_backup(session, username, backup, now, "cli"),
            RosterError)
    click.echo(f"{backup} now backs up {username}")


@users.command("set-password")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Asked for when not given (input hidden).")
def users_set_password(username: str, password: str) -> None:
    """Let a user sign in to the pages."""
    from assistant.care_team.roster import RosterError, find
    from assistant.records.accounts import AccountError, set_password

    transact(lambda session, _, now: set_password(session, find(session, username), password,
                                                 now, "cli"), RosterError, AccountError)
    click.echo(f"{username} can sign in")


@main.group()
def tokens() -> None:
    """API tokens for hospital systems."""


@tokens.command("issue")
@click.argument("name")
def tokens_issue(name: str) -> None:
    """Print a new token once; only its hash is kept."""
    from assistant.records.accounts import AccountError, issue_token

    click.echo(transact(lambda session, _, now: issue_token(session, name, now, "cli"),
                       AccountError))


@tokens.command("revoke")
@click.argument("name")
def tokens_revoke(name: str) -> None:
    from assistant.records.accounts import AccountError, revoke_token

    transact(lambda session, _, now: revoke_token(session, name, now, "cli"), AccountError)
    click.echo(f"token {name} revoked")


@tokens.command("list")
def tokens_list() -> None:
    from sqlalchemy import select

    from assistant.records.interfaces import ApiToken

    _, scope = session_scope()
    with scope as session:
        for token in session.scalars(select(ApiToken).order_by(ApiToken.id)):
            state = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "active"
            click.echo(f"{token.name:<24} issued {token.created_at:%Y-%m-%d}  {state}")


@users.command("deactivate")
@click.argument("username")
def users_deactivate(username: str) -> None:
    from assistant.care_team.roster import RosterError, deactivate

    transact(lambda session, _, now: deactivate(session, username, now, "cli"), RosterError)
    click.echo(f"{username} gets no more notifications")


@users.command("list")
def users_list() -> None:
    from sqlalchemy import select

    from assistant.records.models import User

    _, scope = session_scope()
    with scope as session:
        for user in session.scalars(select(User).order_by(User.id)):
            backup = user.backup.username if user.backup else "-"
            click.echo(f"{user.username:<16} {user.role:<12} {user.phone or '-':<14} "
                       f"{user.email or '-':<28} on call {user.on_call}; backup {backup}"
                       + ("" if user.active else " (inactive)"))
