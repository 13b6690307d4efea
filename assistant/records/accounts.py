"""Signing in and API tokens: salted password hashes, a lock after repeated failures, and
tokens of which only a hash is stored."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from assistant.records.audit import record
from assistant.records.models import ApiToken, User

MAX_FAILED_SIGN_INS = 5
LOCK_MINUTES = 15
MIN_PASSWORD_LENGTH = 12


class AccountError(ValueError):
    pass


def set_password(session: Session, user: User, password: str, now: datetime,
                 actor: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    user.password_hash = generate_password_hash(password)
    user.failed_sign_ins, user.locked_until = 0, None
    record(session, actor=actor, action="changed", subject="user", subject_id=user.id,
           now=now, detail="password set")


def sign_in(session: Session, username: str, password: str, now: datetime) -> User:
    """The user, or AccountError with a message safe to show (it never says which part was
    wrong)."""
    user = session.scalar(select(User).where(User.username == username))
    if user is not None and user.locked_until is not None and user.locked_until > now:
        raise AccountError("Too many failed sign-ins: try again in a few minutes.")
    if (user is None or not user.active or not user.password_hash
            or not check_password_hash(user.password_hash, password)):
        if user is not None:
            user.failed_sign_ins += 1
            if user.failed_sign_ins >= MAX_FAILED_SIGN_INS:
                user.locked_until = now + timedelta(minutes=LOCK_MINUTES)
                user.failed_sign_ins = 0
                record(session, actor=username, action="locked", subject="user",
                       subject_id=user.id, now=now, detail="too many failed sign-ins")
        raise AccountError("Wrong user name or password.")
    user.failed_sign_ins, user.locked_until = 0, None
    record(session, actor=username, action="signed_in", subject="user", subject_id=user.id,
           now=now)
    return user


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, name: str, now: datetime, actor: str) -> str:
    if session.scalar(select(ApiToken.id).where(ApiToken.name == name)):
        raise AccountError(f"a token named {name!r} exists already; revoke it or pick a name")
    token = "cc_" + secrets.token_urlsafe(32)
    session.add(ApiToken(name=name, token_hash=_hash(token), created_at=now))
    record(session, actor=actor, action="created", subject="token", subject_id=name, now=now)
    return token


def revoke_token(session: Session, name: str, now: datetime, actor: str) -> None:
    token = session.scalar(select(ApiToken).where(ApiToken.name == name))
    if token is None:
        raise AccountError(f"no token named {name!r}")
    token.revoked_at = now
    record(session, actor=actor, action="revoked", subject="token", subject_id=name, now=now)


def token_owner(session: Session, token: str) -> ApiToken | None:
    found = session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(token)))
    return found if found is not None and found.revoked_at is None else None
