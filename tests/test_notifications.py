"""Alerts reach a coordinator in time: notifications, deadlines, escalation, ACK by SMS,
the daily digest, the lifecycle and the audit log."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import datetime, timedelta
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, text

from assistant.care_team.alert_lifecycle import LifecycleError, resolve
from assistant.care_team.mailer import Mailer
from assistant.care_team.notifications import Notifier
from assistant.care_team.roster import add_user, set_backup
from assistant.records.audit import events, export
from assistant.records.db import make_engine, transaction
from assistant.records.models import Alert, AlertEvent, AuditEvent, User
from carecall.simulator import SimulatedPhone
from carecall.web import create_app
from tests.conftest import (
    AUTH_TOKEN,
    PUBLIC_BASE_URL,
    SERVICE_NUMBER,
    make_services,
    poster_for,
    signed_in_client,
)
from tests.helpers import DOB_REPLY, start_checkin

ANA, BEN = "+12015550150", "+12015550151"


class Inbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server on localhost."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def team(settings, network, clock, smtp):  # type: ignore[no-untyped-def]
    inbox, port = smtp
    settings = settings.with_overrides(smtp_host="127.0.0.1", smtp_port=port)
    services = make_services(settings, network, clock)
    with transaction(services.sessions) as session:
        for username, phone in (("ana", ANA), ("ben", BEN)):
            add_user(session, settings, username=username, name=username.title(),
                     role="coordinator", phone=phone, email=f"{username}@example.org",
                     on_call="always", now=clock.now, actor="test")
        set_backup(session, "ana", "ben", clock.now, "test")
    yield services, inbox
    services.close()


def patient_phone(services) -> SimulatedPhone:  # type: ignore[no-untyped-def]
    return SimulatedPhone("+12015550123", SERVICE_NUMBER, AUTH_TOKEN, PUBLIC_BASE_URL,
                          poster_for(create_app(services).test_client()))


def texts_from(number: str, services) -> SimulatedPhone:  # type: ignore[no-untyped-def]
    return SimulatedPhone(number, SERVICE_NUMBER, AUTH_TOKEN, PUBLIC_BASE_URL,
                          poster_for(create_app(services).test_client()))


def raise_emergency(services) -> int:  # type: ignore[no-untyped-def]
    start_checkin(services)
    phone = patient_phone(services)
    phone.text(DOB_REPLY)
    phone.text("same")
    phone.text("yes")  # chest pain
    with services.sessions() as session:
        return session.scalar(select(Alert.id).where(Alert.reason == "chest_pain"))


def notifier(services) -> Notifier:  # type: ignore[no-untyped-def]
    return Notifier(services, Mailer(services.settings))


def test_an_emergency_reaches_the_on_call_coordinator_without_health_information(
        team, network) -> None:
    services, inbox = team
    alert_id = raise_emergency(services)
    assert notifier(services).run().notified == [alert_id]
    (sms,) = network.to(ANA)
    assert f"EMERGENCY alert {alert_id}" in sms and f"ACK {alert_id}" in sms
    assert f"{PUBLIC_BASE_URL}/alerts/{alert_id}" in sms
    (mail,) = inbox.messages
    assert mail["To"] == "ana@example.org" and f"alert {alert_id}" in mail["Subject"]
    for text_sent in (sms, mail.get_payload()):
        for private in ("Alex", "Rivera", "chest", "pain", "+12015550123"):
            assert private not in text_sent
    assert notifier(services).run().notified == []  # once


def test_unacknowledged_it_is_sent_again_then_escalated_even_after_a_restart(
        team, network, clock, settings) -> None:
    services, _ = team
    alert_id = raise_emergency(services)
    notifier(services).run()
    clock.advance(minutes=4, seconds=59)
    assert notifier(services).run().renotified == []
    clock.advance(seconds=1)
    assert notifier(services).run().renotified == [alert_id]
    assert network.to(ANA)[-1].startswith("Reminder: Carecall EMERGENCY")
    # The worker restarts: a new process, the same database.
    restarted = make_services(services.settings, network, clock)
    clock.advance(minutes=5)
    assert notifier(restarted).run().escalated == [alert_id]
    assert f"alert {alert_id}" in network.to(BEN)[-1]
    with restarted.sessions() as session:
        actions = session.scalars(select(AlertEvent.action).where(
            AlertEvent.alert_id == alert_id).order_by(AlertEvent.id)).all()
    assert actions == ["raised", "notified", "renotified", "escalated"]
    restarted.close()


def test_urgent_alerts_wait_an_hour_before_the_reminder(team, network, clock) -> None:
    services, _ = team
    start_checkin(services)
    phone = patient_phone(services)
    phone.text(DOB_REPLY)
    phone.text("worse")
    notifier(services).run()
    clock.advance(minutes=59)
    assert notifier(services).run().renotified == []
    clock.advance(minutes=1)
    assert len(notifier(services).run().renotified) == 1


def test_ack_by_sms_from_the_roster_stops_the_reminders(team, network, clock) -> None:
    services, _ = team
    alert_id = raise_emergency(services)
    notifier(services).run()
    reply = texts_from(ANA, services).text(f"ack {alert_id}")
    assert reply == [f"Carecall: alert {alert_id} acknowledged. Thank you."]
    clock.advance(minutes=30)
    assert notifier(services).run().renotified == []
    with services.sessions() as session:
        alert = session.get_one(Alert, alert_id)
        assert (alert.status, alert.assignee) == ("acknowledged", "ana")
    assert texts_from(ANA, services).text(f"ACK {alert_id}") == [
        f"Carecall: alert {alert_id} was acknowledged already."]


def test_ack_from_any_other_number_does_nothing(team, network) -> None:
    services, _ = team
    alert_id = raise_emergency(services)
    assert texts_from("+12125550199", services).text(f"ACK {alert_id}") == []
    assert patient_phone(services).text(f"ACK {alert_id}") == []
    with services.sessions() as session:
        assert session.get_one(Alert, alert_id).status == "open"


def test_routine_alerts_go_to_the_daily_digest(team, network, clock) -> None:
    services, inbox = team
    start_checkin(services)
    patient_phone(services).text("STOP")  # a routine alert
    assert notifier(services).run().notified == []
    assert inbox.messages == []
    clock.now = datetime(2026, 11, 25, 13, 0)  # 8:00 in New York
    assert notifier(services).run().digests == 2
    assert {m["To"] for m in inbox.messages} == {"ana@example.org", "ben@example.org"}
    assert "1 routine item" in inbox.messages[0].get_payload()
    assert notifier(services).run().digests == 0  # once


def test_resolving_records_who_how_and_why(team, clock) -> None:
    services, _ = team
    alert_id = raise_emergency(services)
    with transaction(services.sessions) as session:
        alert = session.get_one(Alert, alert_id)
        ana = session.scalars(select(User).where(User.username == "ana")).one()
        with pytest.raises(LifecycleError, match="resolution 'fixed' must be one of"):
            resolve(session, alert, ana, "fixed", None, clock.now)
        resolve(session, alert, ana, "sent_to_emergency_care", "ambulance called", clock.now)
    with services.sessions() as session:
        alert = session.get_one(Alert, alert_id)
        assert (alert.status, alert.resolution) == ("resolved", "sent_to_emergency_care")
        assert alert.events[-1].detail == "sent_to_emergency_care: ambulance called"
        assert [(e.actor, e.detail) for e in events(session) if e.subject == "alert"] == [
            ("ana", "resolved: sent_to_emergency_care")]


def test_the_alert_page_shows_the_history_and_the_view_is_audited(team) -> None:
    services, _ = team
    alert_id = raise_emergency(services)
    page = signed_in_client(services, "carla").get(f"/alerts/{alert_id}").get_data(as_text=True)
    assert "Chest pain or pressure" in page and "raised" in page
    with services.sessions() as session:
        viewed = [(e.action, e.subject, e.subject_id) for e in events(session)]
    assert ("viewed", "alert", str(alert_id)) in viewed
    with services.sessions() as session:
        assert session.scalars(select(AuditEvent.actor).where(
            AuditEvent.action == "viewed")).all() == ["carla"]


def test_the_audit_log_is_append_only_and_exports(database_url, settings, network,
                                                  clock) -> None:
    services = make_services(settings.with_overrides(database_url=database_url), network,
                             clock)
    with transaction(services.sessions) as session:
        add_user(session, services.settings, username="ana", name="Ana", role="coordinator",
                 phone=ANA, email=None, on_call="Mon-Fri 08:00-17:00", now=clock.now,
                 actor="admin")
    engine = make_engine(database_url)
    for statement in ("UPDATE audit_event SET actor = 'someone else'", "DELETE FROM audit_event"):
        with pytest.raises(Exception, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))
    engine.dispose()
    with services.sessions() as session:
        rows = events(session, since=clock.now - timedelta(minutes=1))
        assert [(r.actor, r.action, r.subject) for r in rows] == [("admin", "created", "user")]
        assert '"actor": "admin"' in export(rows)
        assert export(rows, "csv").startswith("id,at,actor,action,subject,subject_id,detail")
        assert session.scalar(select(AuditEvent.detail)) == "ana (coordinator)"
    services.close()


def test_publishing_a_flow_is_audited(team) -> None:
    services, _ = team
    start_checkin(services)
    with services.sessions() as session:
        published = [(e.action, e.subject, e.subject_id) for e in events(session)
                     if e.subject == "flow"]
    assert published == [("published", "flow", "general v1")]
