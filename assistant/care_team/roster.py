"""The care team: coordinators with their phone, e-mail, on-call hours and backup."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.care_team.promises import on_duty
from assistant.foundation.config import Settings
from assistant.foundation.office_hours import parse_office_hours
from assistant.records.accounts import end_sessions
from assistant.records.audit import record
from assistant.records.models import User
from assistant.records.phones import InvalidPhone, to_e164

ROLES = ("coordinator", "admin")


class RosterError(ValueError):
    pass


def add_user(session: Session, settings: Settings, *, username: str, name: str, role: str,
             phone: str | None, email: str | None, on_call: str, now: datetime,
             actor: str) -> User:
    if role not in ROLES:
        raise RosterError(f"role {role!r} must be one of {', '.join(ROLES)}")
    if session.scalar(select(User.id).where(User.username == username)):
        raise RosterError(f"user {username!r} exists already")
    if on_call != "always":
        try:
            parse_office_hours(on_call)
        except ValueError as exc:
            raise RosterError(f"on-call hours {on_call!r}: {exc}, or 'always'") from None
    if email is not None and "@" not in email:
        raise RosterError(f"e-mail {email!r} has no @")
    try:
        number = to_e164(phone, settings.default_region) if phone else None
    except InvalidPhone as exc:
        raise RosterError(str(exc)) from None
    user = User(username=username, name=name, role=role, phone=number, email=email,
                on_call=on_call, active=True, created_at=now)
    session.add(user)
    session.flush()
    record(session, actor=actor, action="created", subject="user", subject_id=user.id, now=now,
           detail=f"{username} ({role})")
    return user


def find(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise RosterError(f"no user {username!r}; see 'carecall users list'")
    return user


def set_backup(session: Session, username: str, backup: str, now: datetime,
               actor: str) -> None:
    user, backup_user = find(session, username), find(session, backup)
    if user.id == backup_user.id:
        raise RosterError("a coordinator cannot be their own backup")
    user.backup_id = backup_user.id
    record(session, actor=actor, action="changed", subject="user", subject_id=user.id,
           now=now, detail=f"backup: {backup}")


def on_call_now(session: Session, settings: Settings, now: datetime) -> User | None:
    """The coordinator to notify: the first on call now, else the first coordinator at all."""
    on_call = on_duty(session, settings, now)
    if on_call:
        return on_call[0]
    return session.scalar(select(User).where(User.role == "coordinator", User.active.is_(True))
                          .order_by(User.id).limit(1))


def deactivate(session: Session, username: str, now: datetime, actor: str) -> None:
    """No more notifications to this user; their history stays."""
    user = find(session, username)
    user.active = False
    end_sessions(user)
    record(session, actor=actor, action="changed", subject="user", subject_id=user.id,
           now=now, detail="deactivated")
