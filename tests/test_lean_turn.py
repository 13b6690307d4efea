"""The SMS turn's hot path (`assistant/outreach/lean_turn.py`) stores exactly what the ORM
path stores: the same patients send the same texts, at the same moments, to two databases,
one answered on each path; every reply and every row of every table must be equal."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from assistant.care_team.caregivers import NewCaregiver, add_caregiver
from assistant.intake.enrollment import enroll, validate_discharge
from assistant.outreach import inbound
from assistant.outreach.dispatch import dispatch_due
from assistant.outreach.inbound import InboundSms, receive_sms
from assistant.records.db import transaction
from assistant.records.models import Alert, Base, Conversation, Message, User
from carecall.simulator import SimulatedNetwork
from tests.conftest import SERVICE_NUMBER, FakeClock, make_services, postgres_admin_url
from tests.helpers import DOB, DOB_REPLY

DAUGHTER = "+12015550188"
NURSE = "+12015550177"
# Who texts what, in order; the patients' texts interleave as real traffic would.
SCRIPTS: dict[str, list[str]] = {
    "+12015550101": [DOB_REPLY, "better", "no", "nope", "yes i picked them up", "no",
                     "no side effects", "yes", "no questions", "thanks"],
    "+12015550102": ["12/12/1950", DOB_REPLY, "worse", "186", "up 3 pounds", "yes", "no",
                     "all of them", "what is furosemide?", "no", "I want to talk to a nurse"],
    "+12015550103": [DOB_REPLY, "igual", "no", "sí", "me duele el pecho y no puedo respirar"],
    DAUGHTER: [DOB_REPLY, "same", "he seems a bit more tired", "no", "STOP"],
    "+12015550105": [DOB_REPLY, "x", "asdf", "HELP", "who is this?", "im ok i gues",
                     "feels like an elephant on my chest"],
    "+12015550106": [DOB_REPLY, "better", "STOP", "START", "yes"],
    "+12015550107": [DOB_REPLY, "better", "250", "45", "no", "yes", "maybe"],
    "+12015550108": [DOB_REPLY, "worse", "yes", "101.5", "SKIP", "no", "yes", "no"],
    "+12015550109": ["hello?", "what is this"],  # not a patient
}
PATIENTS = [  # phone, flow, language, medicines, appointment, caregiver answering
    ("+12015550101", "general", "en", [], None, False),
    ("+12015550102", "heart_failure", "en",
     [{"name": "Furosemide", "change": "new"}, {"name": "Metoprolol", "change": "changed"}],
     None, False),
    ("+12015550103", "general", "es", [], None, False),
    ("+12015550104", "copd", "en", [{"name": "Prednisone", "change": "new"}], None, True),
    ("+12015550105", "general", "en", [], None, False),
    ("+12015550106", "post_surgery", "en", [], "in 3 days", False),
    ("+12015550107", "diabetes", "en", [{"name": "Insulin glargine", "change": "changed"}],
     None, False),
    ("+12015550108", "pneumonia", "en", [], "in 5 days", False),
]


def _build(services: Any, clock: FakeClock) -> None:
    """The same patients, check-ins sent, a nurse on the roster with an alert to ACK."""
    now = clock.now
    with transaction(services.sessions) as session:
        session.add(User(username="nurse", name="Nurse Joy", role="coordinator", phone=NURSE,
                         on_call="always", active=True, created_at=now))
        for n, (phone, flow, language, medicines, visit, proxy) in enumerate(PATIENTS):
            appointment = None
            if visit is not None:
                appointment = (now + timedelta(days=int(visit.split()[1]))).isoformat() \
                    + "+00:00"
            discharge = validate_discharge(
                services.settings, services.flows, now=now, name=f"Pat {n} Rivera", dob=DOB,
                phone=phone, flow=flow, lang=language, medication_rows=medicines,
                appointment=appointment, appointment_with="Dr. Lee" if visit else None,
                baseline={"weight_lb": 180} if flow == "heart_failure" else None,
                discharged=(now - timedelta(days=2)).isoformat() + "+00:00")
            episode = enroll(session, services, discharge, now)
            if proxy:
                add_caregiver(session, episode.patient, NewCaregiver(
                    "Maria Rivera", "daughter", DAUGHTER, "en", consent=True, is_proxy=True),
                    source="dashboard", actor="test", default_region="US", now=now)
            episode.checkins[0].due_at = now
    dispatch_due(services, "w1")


def _play(services: Any, clock: FakeClock, lean: bool) -> list[tuple[str, list[str]]]:
    said: list[tuple[str, list[str]]] = []
    scripts = {phone: list(texts) for phone, texts in SCRIPTS.items()}
    n = 0
    while any(scripts.values()):
        for phone, texts in scripts.items():
            if not texts:
                continue
            n += 1
            clock.advance(minutes=1)
            sms = InboundSms(sid=f"SM{n:032d}", from_number=phone, to_number=SERVICE_NUMBER,
                             body=texts.pop(0))
            said.append((sms.body, receive_sms(services, sms, lean=lean)))
            if n % 7 == 0:  # Twilio delivers a message twice: answered as the first time
                said.append(("(again)", receive_sms(services, sms, lean=lean)))
    # A coordinator acknowledges the first alert by text; a text after a check-in ended.
    with services.sessions() as session:
        first = session.scalars(select(Alert.id).order_by(Alert.id)).first()
    for phone, body in ((NURSE, f"ACK {first}"), ("+12015550101", "one more thing")):
        n += 1
        sms = InboundSms(sid=f"SM{n:032d}", from_number=phone, to_number=SERVICE_NUMBER,
                         body=body)
        said.append((body, receive_sms(services, sms, lean=lean)))
    return said


# Not the product's to decide: when the sender may send next (the wall clock), and the SIDs
# the simulated carrier draws for what it sends.
NOT_OURS = {("sender", "next_slot"), ("message", "provider_sid")}


def _rows(services: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in key order (all columns but the wall clock's)."""
    dumped = {}
    with services.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            columns = [c for c in table.columns if (table.name, c.name) not in NOT_OURS]
            dumped[table.name] = [tuple(row) for row in connection.execute(
                select(*columns).order_by(*order))]
        dumped["inbound SIDs"] = [tuple(row) for row in connection.execute(
            select(Message.id, Message.provider_sid).where(Message.direction == "in")
            .order_by(Message.id))]
    return dumped


@contextmanager
def _two_databases(kind: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'lean.db'}", f"sqlite:///{tmp_path / 'orm.db'}"
        return
    admin_url = postgres_admin_url()
    if admin_url is None:
        pytest.skip("set CARECALL_TEST_POSTGRES_URL to run the PostgreSQL tests")
    names = [f"carecall_test_{uuid.uuid4().hex[:12]}" for _ in range(2)]
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        for name in names:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        urls = [make_url(admin_url).set(database=name).render_as_string(hide_password=False)
                for name in names]
        yield urls[0], urls[1]
    finally:
        with admin.connect() as connection:
            for name in names:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql",
                                                         marks=pytest.mark.postgres)])
def test_the_hot_path_stores_every_row_the_orm_path_stores(kind: str, settings: Any,
                                                           tmp_path: Path) -> None:
    results = {}
    with _two_databases(kind, tmp_path) as urls:
        for lean, url in zip((True, False), urls, strict=True):
            clock = FakeClock()
            services = make_services(
                settings.with_overrides(database_url=url, data_dir=tmp_path / str(lean)),
                SimulatedNetwork(clock=lambda c=clock: c.now.timestamp()), clock)
            try:
                _build(services, clock)
                said = _play(services, clock, lean)
                results[lean] = (said, _rows(services))
            finally:
                services.close()
    (lean_said, lean_rows), (orm_said, orm_rows) = results[True], results[False]
    assert lean_said == orm_said
    for table in orm_rows:
        assert lean_rows[table] == orm_rows[table], f"table {table} differs"
    # The comparison meant something: the texts were answered, and on both paths.
    assert sum(len(replies) for _, replies in lean_said) > 60
    conversations = [row for row in lean_rows["conversation"]]
    assert len(conversations) == len(PATIENTS)
    assert {"emergency", "urgent"} <= {row[Alert.__table__.columns.keys().index("severity")]
                                       for row in lean_rows["alert"]}
    replies_sent = Conversation.__table__.columns.keys().index("replies_sent")
    conversation_id = Message.__table__.columns.keys().index("conversation_id")
    direction = Message.__table__.columns.keys().index("direction")
    for row in conversations:  # the counter the loop guard reads is the messages' count
        assert row[replies_sent] == sum(
            1 for message in lean_rows["message"]
            if message[conversation_id] == row[0] and message[direction] == "out")


def test_the_answers_went_the_hot_path(services: Any, clock: FakeClock) -> None:
    """Not a comparison of the ORM path with itself: answers in open conversations are
    taken by the hot path, from the first turn of a process that has seen no flow yet, and
    nothing fell back (the suite's guard in conftest fails a test on that)."""
    _build(services, clock)
    fresh = make_services(services.settings, SimulatedNetwork(), clock)  # a new process
    taken: list[str] = []
    real = fresh.lean_turns.take

    def counted(*args: Any) -> list[str] | None:
        replies = real(*args)
        if replies is not None:
            taken.append(args[2].body)
        return replies

    fresh.lean_turns.take = counted  # type: ignore[method-assign]
    try:
        _play(fresh, clock, lean=True)
    finally:
        fresh.close()
    assert len(taken) >= 40
    assert "feels like an elephant on my chest" in taken and "hello?" not in taken


def test_a_turn_the_hot_path_cannot_write_is_taken_on_the_orm_path(
        services: Any, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """Should the dialogue ever read something the one statement did not load, the turn is
    rolled back and taken again the general way: the patient is answered, nothing is lost."""
    _build(services, clock)
    monkeypatch.setattr(inbound, "_left_hot_path", lambda *_: None)  # expected here
    real = services.dialogue.reply

    def reads_more(session: Any, conversation: Conversation, *args: Any) -> Any:
        conversation.checkin.attempts  # not carried by the hot path's row  # noqa: B018
        return real(session, conversation, *args)

    monkeypatch.setattr(services.dialogue, "reply", reads_more)
    sms = InboundSms(sid="SM" + "9" * 32, from_number="+12015550101",
                     to_number=SERVICE_NUMBER, body=DOB_REPLY)
    replies = receive_sms(services, sms)
    assert replies and "feel" in replies[-1].lower()
    with services.sessions() as session:
        stored = session.scalars(select(Message).where(Message.provider_sid == sms.sid)).all()
    assert len(stored) == 1 and stored[0].question_id == "identity_dob"
