"""The store on both real databases: migrations, the model, and a conversation resumed by a
new process."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from assistant.outreach.dispatch import dispatch_due
from assistant.records.db import make_engine, upgrade
from assistant.records.models import Base, CheckIn, Conversation, Message, Patient
from carecall.simulator import SimulatedPhone
from carecall.web import create_app
from tests.conftest import (
    AUTH_TOKEN,
    PATIENT_PHONE,
    PUBLIC_BASE_URL,
    SERVICE_NUMBER,
    make_services,
    poster_for,
)
from tests.helpers import (
    DOB_REPLY,
    alerts,
    enroll_patient,
    make_first_checkin_due,
    start_checkin,
)


def test_migrations_build_exactly_the_model(database_url: str) -> None:
    upgrade(database_url)
    upgrade(database_url)  # a second run is a no-op
    engine = make_engine(database_url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert differences == []


def test_sqlite_runs_in_wal_mode(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'wal.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_enrolment_and_a_checkin_round_trip(database_url: str, settings, network,
                                            clock) -> None:
    services = make_services(settings.with_overrides(database_url=database_url), network, clock)
    try:
        checkin_id = start_checkin(services)
        with services.sessions() as session:
            patient = session.scalars(select(Patient)).one()
            checkin = session.get_one(CheckIn, checkin_id)
            assert patient.phone == PATIENT_PHONE
            assert checkin.status == "sent" and checkin.attempt == 1
            assert checkin.flow_version.flow_id == "general"
            assert checkin.conversation is not None
            assert checkin.conversation.state == "identity_dob"
    finally:
        services.close()


def test_a_conversation_resumes_in_a_new_process_where_it_stopped(
        database_url: str, settings, network, clock) -> None:
    settings = settings.with_overrides(database_url=database_url)
    first = make_services(settings, network, clock)
    start_checkin(first)
    def phone_for(services):  # type: ignore[no-untyped-def]
        client = create_app(services).test_client()
        return SimulatedPhone(PATIENT_PHONE, SERVICE_NUMBER, AUTH_TOKEN, PUBLIC_BASE_URL,
                              poster_for(client))

    phone_for(first).text(DOB_REPLY)
    phone_for(first).text("better")
    first.close()

    # A new process: new engine, new caches, nothing in memory from before.
    second = make_services(settings, network, clock)
    try:
        answer = phone_for(second).text("yes")
        assert answer[0].startswith("Please call 911 now")
        with second.sessions() as session:
            conversation = session.scalars(select(Conversation)).one()
            assert conversation.state == "handed_over"
            assert [a.question_id for a in conversation.answers] == [
                "identity_dob", "feeling", "chest_pain"]
        assert alerts(second) == [("emergency", "chest_pain")]
    finally:
        second.close()


def test_many_threads_answering_at_once_on_sqlite_lose_nothing(services, clock) -> None:
    """A web process's threads all take their turns; every reply is stored and answered."""
    phones = [f"+1201555{n:04d}" for n in range(300, 324)]
    for number, phone_number in enumerate(phones):
        make_first_checkin_due(services, enroll_patient(services, phone_number,
                                                        name=f"Patient {number}"))
    assert len(dispatch_due(services, "w1").sent) == len(phones)
    app = create_app(services)

    def answer(phone_number: str) -> list[str]:
        phone = SimulatedPhone(phone_number, SERVICE_NUMBER, AUTH_TOKEN, PUBLIC_BASE_URL,
                               poster_for(app.test_client()))
        return phone.text(DOB_REPLY)

    with ThreadPoolExecutor(12) as pool:
        replies = list(pool.map(answer, phones))
    assert all(replies) and len(replies) == len(phones)
    with services.sessions() as session:
        stored = session.scalars(select(Message.from_number).where(
            Message.direction == "in")).all()
    assert sorted(stored) == sorted(phones)
