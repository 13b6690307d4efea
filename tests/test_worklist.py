"""The coordinator's worklist: filters, resolved items out of the way, assign to me, local
time with its zone, and a live fragment that is redrawn only when something changed."""

from __future__ import annotations

import re

from sqlalchemy import select

from assistant.records.db import transaction
from assistant.records.models import Alert, AuditEvent
from tests.conftest import csrf_token
from tests.helpers import DOB_REPLY, start_checkin


def _raise_two_alerts(services, phone) -> None:  # type: ignore[no-untyped-def]
    start_checkin(services)
    phone.text(DOB_REPLY)
    phone.text("worse")  # urgent: feels worse
    phone.text("yes, my chest hurts")  # emergency: chest pain


def _rows(page: str) -> list[str]:
    return re.findall(r'data-alert-id="(\d+)"', page)


def test_filters_by_severity_and_status_and_hides_resolved_ones(services, phone,
                                                                coordinator) -> None:
    _raise_two_alerts(services, phone)
    assert len(_rows(coordinator.get("/").get_data(as_text=True))) == 2
    urgent = coordinator.get("/?severity=urgent").get_data(as_text=True)
    assert "Feels worse than at discharge" in urgent and "chest pain" not in urgent
    with transaction(services.sessions) as session:
        chest = session.scalars(select(Alert).where(Alert.reason == "chest_pain")).one()
        chest.status = "resolved"
    assert len(_rows(coordinator.get("/").get_data(as_text=True))) == 1
    resolved = coordinator.get("/?status=resolved").get_data(as_text=True)
    assert len(_rows(resolved)) == 1 and "chest pain or pressure" in resolved
    assert len(_rows(coordinator.get("/?status=all").get_data(as_text=True))) == 2
    # A flow filter that matches nothing, and a stale bookmark with nonsense, never error.
    assert _rows(coordinator.get("/?flow=copd").get_data(as_text=True)) == []
    assert coordinator.get("/?severity=bogus&status=%%&flow=nope").status_code == 200


def test_assign_to_me_then_filter_mine(services, phone, coordinator) -> None:
    _raise_two_alerts(services, phone)
    with services.sessions() as session:
        alert_id = session.scalars(select(Alert.id).where(Alert.reason == "feeling_worse")).one()
    assert _rows(coordinator.get("/?assignee=me").get_data(as_text=True)) == []
    response = coordinator.post(f"/alerts/{alert_id}/assign-to-me", data={
        "csrf_token": csrf_token(coordinator, "/"), "next": "/?severity=urgent"})
    assert response.status_code == 302 and response.headers["Location"] == "/?severity=urgent"
    mine = coordinator.get("/?assignee=me").get_data(as_text=True)
    assert _rows(mine) == [str(alert_id)]
    assert len(_rows(coordinator.get("/?assignee=none").get_data(as_text=True))) == 1
    # An outside address is never followed.
    response = coordinator.post(f"/alerts/{alert_id}/assign-to-me", data={
        "csrf_token": csrf_token(coordinator, "/"), "next": "//evil.example.org/"})
    assert response.headers["Location"] == f"/alerts/{alert_id}"


def test_times_are_local_with_their_zone_and_phones_can_be_called(services, phone,
                                                                  coordinator) -> None:
    _raise_two_alerts(services, phone)
    page = coordinator.get("/").get_data(as_text=True)
    assert "2026-11-24 10:00 EST" in page  # 15:00 UTC, in the team's New York time
    assert "(UTC)" not in page
    assert 'href="tel:+12015550123"' in page


def test_the_fragment_is_redrawn_only_when_the_list_changed(services, phone,
                                                            coordinator) -> None:
    _raise_two_alerts(services, phone)
    page = coordinator.get("/").get_data(as_text=True)
    version = re.search(r'data-version="([0-9a-f]+)"', page)[1]  # type: ignore[index]
    assert 'hx-trigger="every 15s"' in page
    assert coordinator.get(f"/worklist/fragment?since={version}&auto=1").status_code == 204
    phone.text("I feel faint and my chest is tight")  # between check-ins: a new alert
    fragment = coordinator.get(f"/worklist/fragment?since={version}&auto=1")
    assert fragment.status_code == 200
    body = fragment.get_data(as_text=True)
    assert len(_rows(body)) >= 3 and "<html" not in body
    with services.sessions() as session:
        refreshes = session.scalars(select(AuditEvent).where(
            AuditEvent.subject == "worklist", AuditEvent.detail == "auto-refresh")).all()
        assert len(refreshes) == 2  # every look at patient data is audited, polls too


def test_the_alert_page_names_the_question_and_the_answer(services, phone, coordinator) -> None:
    _raise_two_alerts(services, phone)
    with services.sessions() as session:
        alert_id = session.scalars(select(Alert.id).where(Alert.reason == "chest_pain")).one()
    page = coordinator.get(f"/alerts/{alert_id}").get_data(as_text=True)
    assert "Do you have any chest pain or pressure?" in page
    assert "Yes" in page and "yes, my chest hurts" in page
    assert "EST" in page and "True" not in page
