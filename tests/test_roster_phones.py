"""The care team's phones are cached for the texts that arrive: a change made in this process
is seen at once, one made by another process within the cache's age, and a text is never
treated as a coordinator's on a stale cache."""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine, event, text

from assistant.care_team.roster_phones import MAX_AGE, RosterPhones
from assistant.outreach.inbound import InboundSms, receive_sms
from assistant.records.db import transaction
from assistant.records.models import User
from tests.conftest import SERVICE_NUMBER, FakeClock

NURSE = "+12015550177"
ACK_HELP = "Carecall: reply ACK and the alert number, for example ACK 123."


class Ticks:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _watched(services: Any) -> Ticks:
    ticks = Ticks()
    services.roster = RosterPhones(clock=ticks)
    services.roster.watch(services.sessions)
    return ticks


def _text(services: Any, body: str, n: list[int] = [0]) -> list[str]:  # noqa: B006
    n[0] += 1
    return receive_sms(services, InboundSms(sid=f"SMroster{n[0]:026d}", from_number=NURSE,
                                            to_number=SERVICE_NUMBER, body=body))


def _add_nurse(services: Any, clock: FakeClock) -> None:
    with transaction(services.sessions) as session:
        session.add(User(username="joy", name="Nurse Joy", role="coordinator", phone=NURSE,
                         on_call="always", active=True, created_at=clock.now))


def _elsewhere(services: Any, statement: str, **values: Any) -> None:
    """A change made by another process: straight to the database, past this one's sessions."""
    engine = create_engine(services.settings.database_url)
    with engine.begin() as connection:
        connection.execute(text(statement), values)
    engine.dispose()


def test_a_coordinator_added_here_is_known_at_once(services: Any, clock: FakeClock) -> None:
    _watched(services)
    assert _text(services, "hello") != [ACK_HELP]  # the cache now holds the empty roster
    _add_nurse(services, clock)
    assert _text(services, "hello") == [ACK_HELP]


def test_a_coordinator_added_by_another_process_is_known_within_the_cache_age(
        services: Any, clock: FakeClock) -> None:
    ticks = _watched(services)
    assert _text(services, "hello") != [ACK_HELP]
    _elsewhere(services, "INSERT INTO app_user (username, name, role, phone, on_call, active, "
               "created_at, failed_sign_ins, session_version) VALUES ('joy', 'Nurse Joy', "
               "'coordinator', :phone, 'always', :yes, :now, 0, 0)",
               phone=NURSE, yes=True, now=clock.now)
    assert _text(services, "hello") != [ACK_HELP]  # cached: the stale window, said in docs
    assert _text(services, "ACK 5") == ["Carecall: there is no alert 5."]  # ACK: looked up
    ticks.now += MAX_AGE + 1
    assert _text(services, "hello") == [ACK_HELP]


def test_a_coordinator_removed_elsewhere_is_never_treated_as_one(services: Any,
                                                                 clock: FakeClock) -> None:
    _watched(services)
    _add_nurse(services, clock)
    assert _text(services, "hello") == [ACK_HELP]
    _elsewhere(services, "UPDATE app_user SET active = :no WHERE phone = :phone", no=False,
               phone=NURSE)
    assert _text(services, "hello") != [ACK_HELP]  # the cache said maybe; the row said no


def test_the_roster_is_read_once_for_many_texts(services: Any, clock: FakeClock) -> None:
    _watched(services)
    _add_nurse(services, clock)
    reads: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "app_user.phone" in statement \
                and "FROM app_user" in statement and "active" in statement:
            reads.append(statement)

    event.listen(services.engine, "before_cursor_execute", seen)
    for n in range(5):
        receive_sms(services, InboundSms(sid=f"SMpatient{n:025d}", from_number="+12015550142",
                                         to_number=SERVICE_NUMBER, body="hello"))
    event.remove(services.engine, "before_cursor_execute", seen)
    assert len(reads) == 1
