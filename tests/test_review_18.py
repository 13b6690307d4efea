"""A second review of the SMS turn's hot path (issue 18): what a patient or nurse would notice
if the lean turn, its fallback, the roster cache or the engine went wrong in a rare case."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, insert, select
from sqlalchemy.orm.exc import DetachedInstanceError

from assistant.outreach import inbound
from assistant.outreach.dispatch import dispatch_due
from assistant.outreach.inbound import InboundSms, receive_sms
from assistant.records.db import make_engine, transaction
from assistant.records.models import Answer, Conversation, Message, User
from tests.conftest import SERVICE_NUMBER, FakeClock
from tests.helpers import DOB_REPLY, enroll_patient, make_first_checkin_due, start_checkin

PATIENT = "+12015550123"
NURSE = "+12015550177"


def _text(services: Any, body: str, sid: str, phone: str = PATIENT, lean: bool = True,
          ) -> list[str]:
    return receive_sms(services, InboundSms(sid=sid, from_number=phone,
                                            to_number=SERVICE_NUMBER, body=body), lean=lean)


def _holding(services: Any) -> str:
    return services.prompts.render("holding_reply", "en", "sms")


def _stored(services: Any, sid: str) -> list[tuple[str, str]]:
    with services.sessions() as session:
        return [(m.body, m.status) for m in session.scalars(
            select(Message).where(Message.provider_sid == sid))]


def test_an_answer_that_collides_with_one_just_stored_is_kept_for_a_nurse(
        services: Any, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two texts on one question at once (PostgreSQL): the second turn's answer collides
    with the first's on the answer's unique key. That is not a repeat delivery of the same
    SID, so the text must not vanish: it is kept for a person, and the patient told so."""
    start_checkin(services)
    _text(services, DOB_REPLY, "SM" + "1" * 32)
    real = services.dialogue.reply

    def while_another_turn_commits(session: Any, conversation: Conversation, *args: Any,
                                   **kwargs: Any) -> Any:
        # What the other turn committed after this one read the conversation.
        session.execute(insert(Answer).values(
            conversation_id=conversation.id, question_id=conversation.state, value="same",
            raw="same", understood=True, is_change=False, created_at=clock.now))
        return real(session, conversation, *args, **kwargs)

    monkeypatch.setattr(services.dialogue, "reply", while_another_turn_commits)
    sid = "SM" + "2" * 32
    replies = _text(services, "better", sid)
    assert replies == [_holding(services)]
    assert _stored(services, sid) == [("better", "error")]


def test_an_answer_that_collided_once_is_taken_again_and_recorded(
        services: Any, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """Once the other turn has committed, taking the turn again sees its answer: this text is
    read and answered as usual (a sign in it would raise its alert), not only kept."""
    start_checkin(services)
    _text(services, DOB_REPLY, "SM" + "6" * 32)
    real = services.dialogue.reply
    collided: list[str] = []

    def once_another_turn_commits(session: Any, conversation: Conversation, *args: Any,
                                  **kwargs: Any) -> Any:
        if not collided:
            collided.append(conversation.state or "")
            session.execute(insert(Answer).values(
                conversation_id=conversation.id, question_id=conversation.state,
                value="same", raw="same", understood=True, is_change=False,
                created_at=clock.now))
        return real(session, conversation, *args, **kwargs)

    monkeypatch.setattr(services.dialogue, "reply", once_another_turn_commits)
    sid = "SM" + "7" * 32
    replies = _text(services, "better", sid)
    assert replies and replies != [_holding(services)]
    assert _stored(services, sid) == [("better", "received")]
    with services.sessions() as session:
        raw = session.scalar(select(Answer.raw).where(Answer.question_id == collided[0]))
    assert raw == "better"


def test_a_failure_of_the_orm_path_itself_is_not_taken_again_and_again(
        services: Any, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fallback retries once on the ORM path; should that fail the same way, the text is
    kept for a person at once (not a thousand nested retries ending in a RecursionError)."""
    start_checkin(services)
    monkeypatch.setattr(inbound, "_left_hot_path", lambda *_: None)  # expected here
    calls: list[bool] = []

    def detached(*_: Any, **__: Any) -> Any:
        calls.append(True)
        raise DetachedInstanceError("a lazy load on a detached object")

    monkeypatch.setattr(services.dialogue, "reply", detached)
    sid = "SM" + "3" * 32
    assert _text(services, DOB_REPLY, sid) == [_holding(services)]
    assert len(calls) == 2  # the hot path, then the ORM path once
    assert _stored(services, sid) == [(DOB_REPLY, "error")]


def _updated_tables(services: Any, body: str, sid: str, phone: str, lean: bool) -> list[str]:
    updates: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE"):
            updates.append(statement.split()[1].strip('"'))

    event.listen(services.engine, "before_cursor_execute", seen)
    try:
        _text(services, body, sid, phone, lean=lean)
    finally:
        event.remove(services.engine, "before_cursor_execute", seen)
    return updates


def test_the_hot_path_updates_rows_in_the_orm_paths_order(services: Any) -> None:
    """The check-in before its conversation, as the ORM's flush orders them: the reminder job
    locks the check-in, then (its message's replies_sent trigger) the conversation; a turn
    locking them the other way round can deadlock with it on PostgreSQL."""
    for phone in (PATIENT, "+12015550124"):
        make_first_checkin_due(services, enroll_patient(services, phone))
    assert len(dispatch_due(services, "w1").sent) == 2
    lean = _updated_tables(services, DOB_REPLY, "SM" + "4" * 32, PATIENT, lean=True)
    orm = _updated_tables(services, DOB_REPLY, "SM" + "5" * 32, "+12015550124", lean=False)
    assert "checkin" in orm and "conversation" in orm
    order = [table for table in orm if table in ("checkin", "conversation")]
    assert [table for table in lean if table in ("checkin", "conversation")] == order


def test_a_coordinator_added_while_a_text_reads_the_roster_is_known_once_committed(
        services: Any, clock: FakeClock) -> None:
    """The cache is emptied when the new user is flushed, but a text arriving between that
    flush and the commit reads the roster without them: the commit must empty it again."""
    roster = services.roster
    with transaction(services.sessions) as session:
        session.add(User(username="joy", name="Nurse Joy", role="coordinator", phone=NURSE,
                         on_call="always", active=True, created_at=clock.now))
        session.flush()
        with services.sessions() as other:  # another thread's text, before the commit
            assert not roster.may_be_on_roster(other, NURSE)
    with services.sessions() as session:
        assert roster.may_be_on_roster(session, NURSE)


def test_an_in_memory_sqlite_database_still_opens() -> None:
    """`pool_use_lifo` is an argument of the file database's pool only."""
    engine = make_engine("sqlite://")
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("select 1").scalar() == 1
    finally:
        engine.dispose()


def test_the_simulators_database_counts_replies_as_a_migrated_one_does(
        settings: Any, tmp_path: Any) -> None:
    """The flow simulator builds its database from the models, not the migrations: the loop
    guard's counter is kept there too."""
    from assistant.authoring.simulation import Simulation

    simulation = Simulation(settings, tmp_path / "sim", "abc123")
    try:
        simulation.start("general", "en", "sms")
        for text in ("03/14/1950", "better", "no", "x", "y"):
            simulation.say(text)
        with simulation.services.sessions() as session:
            conversation = session.scalars(select(Conversation)).one()
            sent = session.scalars(select(Message).where(
                Message.conversation_id == conversation.id, Message.direction == "out")).all()
            assert conversation.replies_sent == len(sent) > 5
    finally:
        simulation.close()
