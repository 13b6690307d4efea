"""Alert events for the hospital's systems: signed POSTs to a real local receiver, ids only
unless health information was asked for, retried with back-off until 2xx."""

from __future__ import annotations

import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from assistant.care_team.alert_lifecycle import acknowledge
from assistant.care_team.webhooks_out import deliver_due, signature
from assistant.records.db import transaction
from assistant.records.interfaces import WebhookDelivery, WebhookSubscription
from assistant.records.models import Alert, User
from carecall.cli import main
from tests.conftest import signed_in_client
from tests.helpers import DOB_REPLY, start_checkin


class Receiver:
    """A hospital system's endpoint on this machine; answers with the statuses queued."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/carecall-events"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    yield found
    found.server.shutdown()


def subscribe(services, receiver: Receiver, monkeypatch, *extra: str) -> str:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CARECALL_DATABASE_URL", services.settings.database_url)
    result = CliRunner().invoke(main, ["webhooks", "add", receiver.url, *extra])
    assert result.exit_code == 0, result.output
    return result.output.split("signing secret (shown once): ")[1].strip()


def raise_an_alert(services, phone) -> None:  # type: ignore[no-untyped-def]
    """An urgent alert, and with it the TCM call task (a problem was found)."""
    start_checkin(services)
    phone.text(DOB_REPLY)
    phone.text("worse")


def alert_events(receiver: Receiver) -> list[tuple[dict[str, str], dict]]:
    return [(headers, json.loads(body)) for headers, body in receiver.received
            if json.loads(body)["kind"] == "alert"]


def test_a_raised_alert_is_posted_signed_with_ids_only(services, phone, receiver,
                                                       monkeypatch) -> None:
    secret = subscribe(services, receiver, monkeypatch)
    raise_an_alert(services, phone)
    assert deliver_due(services)["delivered"] == 2  # the alert and the TCM task
    for headers, body in receiver.received:
        expected = signature(secret, headers["X-Carecall-Timestamp"], body)
        assert hmac.compare_digest(headers["X-Carecall-Signature"], expected)
    [(_, payload)] = alert_events(receiver)
    assert payload["event"] == "alert.raised" and payload["alert_id"] == 1
    assert not {"severity", "reason", "summary"} & set(payload)  # no health information
    assert deliver_due(services)["delivered"] == 0  # sent once


def test_with_health_information_the_severity_and_reason_go_too(services, phone, receiver,
                                                                  monkeypatch) -> None:
    subscribe(services, receiver, monkeypatch, "--with-health-information")
    raise_an_alert(services, phone)
    deliver_due(services)
    [(_, payload)] = alert_events(receiver)
    assert payload["severity"] == "urgent" and payload["reason"] == "feeling_worse"


def test_a_failing_receiver_is_retried_with_back_off(services, phone, receiver, clock,
                                                     monkeypatch) -> None:
    subscribe(services, receiver, monkeypatch, "--events", "raised,acknowledged")
    receiver.statuses = [503, 500, 503, 500]  # two tries of each of the two events fail
    raise_an_alert(services, phone)
    assert deliver_due(services) == {"delivered": 0, "retrying": 2, "failed": 0}
    assert deliver_due(services)["retrying"] == 0  # not before the back-off
    clock.advance(minutes=1)
    assert deliver_due(services)["retrying"] == 2
    clock.advance(minutes=5)
    assert deliver_due(services)["delivered"] == 2
    assert len(receiver.received) == 6
    with services.sessions() as session:
        deliveries = session.scalars(select(WebhookDelivery)).all()
    assert {(d.status, d.attempts) for d in deliveries} == {("delivered", 3)}


def test_an_acknowledgement_is_told_too_and_a_removed_subscription_no_more(
        services, phone, receiver, monkeypatch) -> None:
    subscribe(services, receiver, monkeypatch)
    raise_an_alert(services, phone)
    signed_in_client(services)  # a coordinator, "nora"
    with transaction(services.sessions) as session:
        alert = session.scalars(select(Alert)).first()
        acknowledge(session, alert, session.scalars(select(User)).one(), services.clock())
    deliver_due(services)
    events = [payload["event"] for _, payload in alert_events(receiver)]
    assert events == ["alert.raised", "alert.acknowledged"]
    assert CliRunner().invoke(main, ["webhooks", "remove", "1"]).exit_code == 0
    with services.sessions() as session:
        assert session.get(WebhookSubscription, 1).active is False


def test_a_plain_http_address_elsewhere_is_refused(services, monkeypatch) -> None:
    monkeypatch.setenv("CARECALL_DATABASE_URL", services.settings.database_url)
    result = CliRunner().invoke(main, ["webhooks", "add", "http://ehr.example.org/hook"])
    assert result.exit_code == 2 and "give an https:// address" in result.stderr


def test_a_delivery_in_flight_is_not_claimed_by_a_second_worker(services, phone, receiver,
                                                                monkeypatch) -> None:
    """Worker B listed a delivery while it was still pending; by the time B claims it, worker
    A is sending it. B must not send it too (only after a whole lease: A then died)."""
    from datetime import timedelta

    from assistant.care_team import webhooks_out

    subscribe(services, receiver, monkeypatch, "--events", "raised")
    raise_an_alert(services, phone)
    lease = timedelta(seconds=services.settings.claim_lease_seconds)
    second_worker: list[str | None] = []

    def slow_receiver(url: str, body: bytes, headers: dict[str, str]) -> int:
        delivery_id = json.loads(body)["delivery_id"]
        if not second_worker:  # B's claim of what A is sending right now
            second_worker.append(webhooks_out._send_one(
                services, delivery_id, slow_receiver, services.clock(), lease))
        receiver.received.append((headers, body))
        return 204

    assert deliver_due(services, post=slow_receiver)["delivered"] == 2
    assert second_worker == [None]  # B got nothing to send
    assert len(receiver.received) == 2  # each event once
