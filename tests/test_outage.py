"""Nothing a patient texts is lost when the database is away: the emergency answer comes from
the text alone, the text is spooled on disk, and the spool is replayed exactly once."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from assistant.outreach.health import beat, health
from assistant.outreach.replay import replay_spool
from assistant.outreach.spool import Spool
from assistant.records.db import make_session_factory, transaction
from assistant.records.models import Message
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
from tests.helpers import DOB_REPLY, alerts, start_checkin


class Outage:
    """Points the app at a database that cannot be opened, then back."""

    def __init__(self, services) -> None:  # type: ignore[no-untyped-def]
        self.services, self.healthy = services, services.sessions

    def __enter__(self) -> Outage:
        away = create_engine("sqlite:////nonexistent-carecall-folder/away.db")
        self.services.sessions = make_session_factory(away)
        return self

    def __exit__(self, *exc: object) -> None:
        self.services.sessions = self.healthy


def at_chest_pain_question(services, phone) -> None:  # type: ignore[no-untyped-def]
    start_checkin(services)
    phone.text(DOB_REPLY)
    assert any("chest pain" in text for text in phone.text("same"))


def stored_inbound(services) -> list[str]:  # type: ignore[no-untyped-def]
    with services.sessions() as session:
        return list(session.scalars(select(Message.body).where(Message.direction == "in")
                                    .order_by(Message.id)))


def test_chest_pain_without_the_database_is_told_911_then_replayed_once(
        services, phone, network, client) -> None:
    at_chest_pain_question(services, phone)
    with Outage(services):
        answer = phone.text("yes, chest pain right now", sid="SM" + "c" * 32)
        down = client.get("/health")
        # Still 200: the web process keeps answering Twilio (spooling), so a load balancer
        # must not take it out of rotation; monitoring reads the status.
        assert down.status_code == 200 and down.get_json()["status"] == "down"
    assert answer[0].startswith("Please call 911 now")
    assert "as soon as our system is back" in answer[0]  # no claim the team knows yet
    assert services.spool.waiting() == 1
    assert alerts(services) == []  # nobody could be told yet
    sent_before = len(network.outbox)

    report = replay_spool(services)
    assert report.replayed == ["SM" + "c" * 32]
    assert [severity for severity, _ in alerts(services)] == ["emergency"]
    assert stored_inbound(services).count("yes, chest pain right now") == 1
    # Now the team has been alerted, the patient is told so (once).
    after = [m.body for m in network.outbox[sent_before:]]
    assert sum("We have also alerted your care team" in body for body in after) == 1
    assert services.spool.waiting() == 0 and not services.spool.has_waiting()
    # Replayed again, or delivered again by Twilio: nothing happens twice.
    assert replay_spool(services).replayed == []
    phone.text("yes, chest pain right now", sid="SM" + "c" * 32)
    assert len(alerts(services)) == 1
    assert stored_inbound(services).count("yes, chest pain right now") == 1


def test_an_ordinary_answer_is_answered_by_sms_after_the_replay(services, phone,
                                                                network) -> None:
    at_chest_pain_question(services, phone)
    with Outage(services):
        answer = phone.text("no")
    assert answer == ["Thanks, we got your message. Our system is slow right now, so our "
                      "answer may take a little while. For help sooner call +12015550100. "
                      "In an emergency call 911."]
    before = len(network.outbox)
    replay_spool(services)
    followed = [m.body for m in network.outbox[before:]]
    assert len(followed) == 1 and "short of breath" in followed[0]
    # The conversation goes on from there.
    assert any("fever" in text for text in phone.text("no"))


class Killed(BaseException):
    """Stands for SIGKILL."""


def test_a_replay_killed_before_sending_sends_the_answer_once_in_the_end(
        services, phone, network, clock, monkeypatch) -> None:
    at_chest_pain_question(services, phone)
    with Outage(services):
        phone.text("no")

    def die(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise Killed

    monkeypatch.setattr("assistant.outreach.replay.send_recorded", die)
    before = len(network.outbox)
    with pytest.raises(Killed):
        replay_spool(services)  # the turn was committed, its answer not yet sent
    monkeypatch.undo()
    assert services.spool.has_waiting()
    assert replay_spool(services).already_stored != []  # not taken a second time
    assert len(network.outbox) == before
    clock.advance(minutes=6)  # the replayer's hold on the answer expires
    from assistant.outreach.reconcile import reconcile

    reconcile(services, "another-process")
    followed = [m.body for m in network.outbox[before:]]
    assert len(followed) == 1 and "short of breath" in followed[0]


def test_in_spanish_and_about_self_harm_the_offline_answer_still_sends_to_help(
        services, phone) -> None:
    at_chest_pain_question(services, phone)
    with Outage(services):
        spanish = phone.text("tengo mucho dolor en el pecho y no puedo respirar")
        harm = phone.text("i want to end my life")
    assert spanish[0].startswith("Llame al 911 ahora")
    assert harm[0].startswith("If you are thinking about hurting yourself, call or text 988")
    assert services.spool.waiting() == 2


def test_with_neither_database_nor_spool_the_patient_is_not_promised_an_answer(
        services, phone, tmp_path: Path) -> None:
    at_chest_pain_question(services, phone)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    services.spool = Spool(blocker / "spool")  # cannot be created: a file is in the way
    with Outage(services):
        plain = phone.text("no")
        urgent = phone.text("chest pain")
    assert plain[0].startswith("Sorry, we could not take your message just now. Please call")
    assert urgent[0].startswith("Please call 911 now")


def test_a_nul_and_an_oversized_sender_are_stored_cleaned_with_what_was_received(
        services, client, phone) -> None:
    at_chest_pain_question(services, phone)
    phone.text("chest\x00pain")
    odd = SimulatedPhone("+1" + "2" * 4998, SERVICE_NUMBER, AUTH_TOKEN, PUBLIC_BASE_URL,
                         poster_for(client))
    assert odd.text("hello?")  # answered, not a 500
    with services.sessions() as session:
        rows = {m.body: m for m in session.scalars(select(Message).where(
            Message.direction == "in"))}
    assert "chest pain" in rows and json.loads(rows["chest pain"].raw)["body"] == "chest\x00pain"
    assert len(rows["hello?"].from_number) == 40
    assert json.loads(rows["hello?"].raw)["from_number"] == "+1" + "2" * 4998
    assert [severity for severity, _ in alerts(services)] == ["emergency"]


def test_health_reports_database_workers_and_spool(services, client, clock) -> None:
    report = client.get("/health").get_json()
    assert report["status"] == "degraded" and report["workers"] == []  # no worker yet
    beat(services, "host-a:12", (clock(), "database sqlite, tick 30s"))
    report = client.get("/health").get_json()
    assert report["status"] == "ok" and report["database"]["ok"] is True
    assert [w["id"] for w in report["workers"] if w["alive"]] == ["host-a:12"]
    clock.advance(minutes=2)  # more than three ticks without a sign of life
    assert health(services)["status"] == "degraded"
    with transaction(services.sessions):
        pass
    assert "Cache-Control" in client.get("/health").headers


def test_a_web_process_replays_the_spool_once_the_database_answers(services, phone,
                                                                   network) -> None:
    services.settings = services.settings.with_overrides(spool_replay_seconds=1)
    at_chest_pain_question(services, phone)
    with Outage(services):
        phone.text("no")
    before = len(network.outbox)
    # The database is back. The next text must not overtake the one in the spool: it joins
    # it, and the replay answers both, in order, by SMS.
    assert phone.text("no")[0].startswith("Thanks, we got your message.")
    for thread in threading.enumerate():
        if thread.name == "spool-replay":
            thread.join(timeout=30)
    assert not services.spool.has_waiting()
    followed = [m.body for m in network.outbox[before:]]
    assert len(followed) == 2
    assert "short of breath" in followed[0] and "fever" in followed[1]


@pytest.mark.postgres
def test_a_stalled_postgresql_gives_way_to_the_spool_instead_of_hanging(
        postgres_url: str, settings, network, clock) -> None:
    services = make_services(settings.with_overrides(database_url=postgres_url,
                                                     db_timeout_ms=300), network, clock)
    phone = SimulatedPhone(PATIENT_PHONE, SERVICE_NUMBER, AUTH_TOKEN, PUBLIC_BASE_URL,
                           poster_for(create_app(services).test_client()))
    at_chest_pain_question(services, phone)
    blocker = create_engine(postgres_url)
    with blocker.connect() as stalled:
        stalled.execute(text("LOCK TABLE message IN ACCESS EXCLUSIVE MODE"))
        # Every statement touching messages now waits: past 300 ms it gives up.
        answer = phone.text("chest pain right now")
        stalled.rollback()
    blocker.dispose()
    assert answer[0].startswith("Please call 911 now")
    assert services.spool.waiting() == 1
    assert len(replay_spool(services).replayed) == 1
    assert [severity for severity, _ in alerts(services)] == ["emergency"]
    services.close()


def test_on_a_call_without_the_database_a_warning_sign_is_still_told_911(
        services, network, phone) -> None:
    from assistant.outreach.dispatch import dispatch_due
    from carecall.simulator import Said, SimulatedCaller
    from tests.test_voice import listener, voice_checkin

    voice_checkin(services)
    dispatch_due(services, "w1")
    outage = Outage(services)

    def listen(heard: list[str]) -> Said | None:
        if "better" in heard[-1].lower():
            outage.__enter__()  # the database goes away as the patient answers
            return Said("worse, my chest hurts")
        return listener({"date of birth": Said("03/14/1950")})(heard)

    log = SimulatedCaller(phone).answer(network.calls[0], listen)
    outage.__exit__()
    assert log.hung_up
    assert log.heard[-1].startswith("Please hang up and call 911 now")
    assert not any("will review it" in said for said in log.heard)


def test_a_line_torn_by_a_crash_does_not_swallow_the_next_text(tmp_path: Path) -> None:
    from assistant.outreach.spool import Spooled

    spool = Spool(tmp_path)
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "inbound.jsonl").write_bytes(b'{"sid": "SM1", "from_num')  # torn mid-write
    spool.keep(Spooled("SM2", "+12015550123", "+12015550199", "chest pain",
                       "2026-11-27T20:00:00", ()))
    assert spool.waiting() == 1
    with spool.replay() as files:
        assert [entry.sid for _, entries in files for entry in entries] == ["SM2"]


def test_a_spooled_text_overtaken_by_a_later_one_is_not_taken_as_an_answer(
        services, phone, network, clock) -> None:
    at_chest_pain_question(services, phone)
    with Outage(services):
        phone.text("yes")  # meant for the chest-pain question, spooled
    clock.advance(seconds=20)
    # Another web host, with an empty spool of its own, takes the next text live.
    services.spool.folder.rename(services.spool.folder.with_name("aside"))
    assert any("short of breath" in t for t in phone.text("no"))  # live, answers chest pain
    services.spool.folder.with_name("aside").rename(services.spool.folder)
    replay_spool(services)
    with services.sessions() as session:
        late = session.scalars(select(Message).where(Message.body == "yes",
                                                     Message.direction == "in")).one()
    assert late.conversation_id is None  # kept in the record, not read as an answer
    assert ("urgent", "late_text") in alerts(services)  # a nurse reads it today
    # The conversation is still at the question after chest pain.
    assert any("fever" in t for t in phone.text("no"))


def test_a_commit_in_doubt_is_answered_once_the_database_says_it_was_stored(
        services, phone, network, monkeypatch) -> None:
    """The connection broke while committing, but the commit took effect: the patient got the
    outage reply, and the answers stored as TwiML never reached them. The replay sends them."""
    at_chest_pain_question(services, phone)
    from contextlib import contextmanager

    from sqlalchemy.exc import OperationalError

    import assistant.outreach.inbound as inbound

    real, calls = inbound.transaction, [0]

    @contextmanager
    def commit_then_lose_the_connection(factory):  # type: ignore[no-untyped-def]
        calls[0] += 1
        with real(factory) as session:
            yield session
        if calls[0] == 1:  # it took effect, but the answer to COMMIT never came
            raise OperationalError("COMMIT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(inbound, "transaction", commit_then_lose_the_connection)
    answer = phone.text("no")
    monkeypatch.undo()
    assert answer[0].startswith("Thanks, we got your message.")
    before = len(network.outbox)
    report = replay_spool(services)
    assert report.already_stored != []
    followed = [m.body for m in network.outbox[before:]]
    assert len(followed) == 1 and "short of breath" in followed[0]
    assert replay_spool(services).already_stored == []  # and only once


def test_with_the_spool_gone_too_an_emergency_is_not_told_the_team_will_see_it(
        services, phone, tmp_path: Path) -> None:
    at_chest_pain_question(services, phone)
    blocker = tmp_path / "in-the-way"
    blocker.write_text("")
    services.spool = Spool(blocker / "spool")
    with Outage(services):
        answer = phone.text("crushing chest pain")
    assert answer == ["Please call 911 now. Your answer may be a sign of an emergency. "
                      "Do not wait."]
