"""Signing in and API tokens: salted password hashes, a lock after repeated failures that
holds under parallel guesses, passwords that are hard to guess, and tokens of which only a
hash is stored."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from assistant.records.audit import record
from assistant.records.interfaces import ApiToken
from assistant.records.models import User

MAX_FAILED_SIGN_INS = 5
LOCK_MINUTES = 15
MIN_PASSWORD_LENGTH = 12
# zxcvbn's guessability score, 0-4: 3 is "safely unguessable" against an online attack
# with throttling, and refuses "password1234", "Riverside1234" and keyboard walks.
MIN_PASSWORD_SCORE = 3


class AccountError(ValueError):
    pass


def set_password(session: Session, user: User, password: str, now: datetime,
                 actor: str) -> None:
    """A new password, which also ends every session the user has open elsewhere."""
    if problem := password_problem(password, (user.username, user.name)):
        raise AccountError(problem)
    user.password_hash = generate_password_hash(password)
    user.failed_sign_ins, user.locked_until = 0, None
    end_sessions(user)
    record(session, actor=actor, action="changed", subject="user", subject_id=user.id,
           now=now, detail="password set")


def password_problem(password: str, personal: tuple[str, ...] = ()) -> str | None:
    """Why a password is refused, or None: long enough, and not guessable from common
    passwords, words, dates, sequences or the person's own name."""
    if len(password.strip()) < MIN_PASSWORD_LENGTH:
        return f"a password needs at least {MIN_PASSWORD_LENGTH} characters, not counting spaces"
    verdict = zxcvbn(password[:100], user_inputs=[p for p in personal if p])
    if verdict["score"] < MIN_PASSWORD_SCORE:
        hint = (verdict["feedback"].get("warning") or "it is easy to guess").rstrip(".")
        return f"choose a harder password: {hint[0].lower() + hint[1:]}; a few unrelated " \
               "words together work well"
    return None


def end_sessions(user: User) -> None:
    """Every signed-in session of this user stops working (the version is in each session)."""
    user.session_version = (user.session_version or 0) + 1


@cache
def _decoy_hash() -> str:
    """Checked when the user name is unknown, so a wrong name takes as long as a wrong
    password and the answer's timing does not say which names exist."""
    return generate_password_hash("not a password anyone has")


def sign_in(session: Session, username: str, password: str, now: datetime) -> User:
    """The user, or AccountError with a message safe to show (it never says which part was
    wrong).

    Each try is counted before the password is checked, by one conditional UPDATE, so parallel
    guesses cannot all read "not locked yet": the database row orders them, at most
    MAX_FAILED_SIGN_INS passwords are checked before the lock, and the right password is
    refused while the lock holds."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active or not user.password_hash:
        check_password_hash(_decoy_hash(), password)
        raise AccountError("Wrong user name or password.")
    tries = session.execute(
        update(User)
        .where(User.id == user.id, User.failed_sign_ins < MAX_FAILED_SIGN_INS,
               or_(User.locked_until.is_(None), User.locked_until <= now))
        .values(failed_sign_ins=User.failed_sign_ins + 1)
        .returning(User.failed_sign_ins)
        .execution_options(synchronize_session=False)).scalar()
    if tries is None:
        raise AccountError("Too many failed sign-ins: try again in a few minutes.")
    session.refresh(user)
    if not check_password_hash(user.password_hash, password):
        if tries >= MAX_FAILED_SIGN_INS:
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
