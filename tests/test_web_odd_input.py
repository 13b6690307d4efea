"""From the second review of issue 16, web side: odd input is never a 500, the `next` redirect
stays on the site, every POST needs a CSRF token, anonymous users see nothing."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token, signed_in_client
from tests.helpers import enroll_patient

ODD = ["", " ", "x" * 5000, "\x00", "2026-13-45", "2026-11-24T25:99", "0001-01-01",
       "9999-12-31T23:59", "2026-W48-2", "20261124", "-1", "1e309", "<script>x</script>",
       "2026-11-24\n", "2026-11-24T10:30+14:00", "2026-11-24T10:30-23:59", "../../etc"]


@pytest.fixture
def world(services, clock):  # type: ignore[no-untyped-def]
    episode_id = enroll_patient(services, days_ago=1)
    clock.advance(hours=1)
    return episode_id


def test_odd_tcm_and_patient_form_input_is_never_a_500(services, coordinator, world) -> None:
    token = csrf_token(coordinator, "/tcm")
    fails = []
    forms = {
        f"/tcm/{world}/attempts": ("at", {"outcome": "reached", "spoke_with": "patient"}),
        f"/tcm/{world}/face-to-face": ("face_to_face_on", {}),
        f"/tcm/{world}/medication-review": ("medication_review_on",
                                            {"by": "Sam", "role": "pharmacist"}),
        "/patients/1/notes": ("body", {}),
        "/patients/1/caregivers": ("phone", {"name": "A", "relationship": "son",
                                             "consent": "yes", "is_proxy": "yes"}),
    }
    for path, (field, extra) in forms.items():
        for value in ODD:
            response = coordinator.post(path, data={**extra, field: value,
                                                    "csrf_token": token})
            if response.status_code >= 500:
                fails.append((path, field, value, response.status_code))
    for value in ODD:
        for path in (f"/tcm/export.csv?since={value}", f"/?severity={value}&assignee={value}",
                     f"/worklist/fragment?since={value}&flow={value}", f"/tcm?show={value}",
                     f"/patients/active?order={value}"):
            try:
                response = coordinator.get(path)
            except Exception as exc:
                fails.append((path, "", value, repr(exc)[:80]))
                continue
            if response.status_code >= 500:
                fails.append((path, "", value, response.status_code))
    assert not fails, fails


def test_the_tcm_export_with_a_newline_in_since_is_not_a_500(services, coordinator,
                                                            world) -> None:
    response = coordinator.get("/tcm/export.csv", query_string={"since": "2026-11-01\n"})
    assert response.status_code < 500


@pytest.mark.parametrize("target", ["/\\evil.example/", "/\\\\evil.example", "\\/evil.example",
                                    "/%5Cevil.example", "https://evil.example"])
def test_assign_to_me_never_redirects_off_site(services, coordinator, world, target) -> None:
    from assistant.conversation.escalation import evidence, raise_alert
    from assistant.records.db import transaction
    from assistant.records.models import Episode
    with transaction(services.sessions) as session:
        episode = session.get_one(Episode, world)
        alert_id = raise_alert(session, patient_id=episode.patient_id, episode_id=world,
                               conversation_id=None, reason="feeling_worse", severity="urgent",
                               summary="x", question_id=None,
                               evidence=evidence(None, None, "bad", None, services.clock()),
                               now=services.clock()).id
    response = coordinator.post(f"/alerts/{alert_id}/assign-to-me",
                                data={"next": target, "csrf_token": csrf_token(coordinator, "/")})
    location = response.headers.get("Location", "")
    # Browsers read a backslash after the first slash as a slash: "/\\evil" is //evil.
    # Werkzeug percent-encodes the backslash ("/%5Cevil.example"): a path, not a host.
    assert location.startswith("/") and not location.startswith("//"), location
    assert "\\" not in location, location


def test_every_dashboard_post_needs_a_csrf_token(services, world) -> None:
    admin = signed_in_client(services, "ada", role="admin")
    posts = ["/alerts/1/ack", "/alerts/1/assign-to-me", "/alerts/1/resolve",
             "/patients/1/notes", "/patients/1/caregivers", "/patients/1/caregivers/1/inactive",
             f"/tcm/{world}/attempts", f"/tcm/{world}/face-to-face",
             "/admin/flows/general", "/admin/flows/general/proposals/1/sign-off",
             "/admin/users", "/simulator/start", "/simulator/say", "/logout"]
    let_through = [path for path in posts
                   if admin.post(path, data={"body": "x"}).status_code not in (400, 403)]
    assert not let_through, let_through


def test_anonymous_users_get_nothing(services, client, world) -> None:
    pages = ["/", "/worklist/fragment", "/alerts/1", "/patients/1", "/patients/active",
             "/tcm", f"/tcm/{world}", "/tcm/export.csv", "/alerts.json", "/tasks.json",
             "/checkins", "/admin/flows", "/admin/flows/general"]
    leaked = [(p, r.status_code) for p in pages
              if (r := client.get(p)).status_code == 200]
    assert not leaked, leaked


def test_a_coordinator_cannot_reach_admin_pages(services, coordinator, world) -> None:
    for path in ("/admin/flows", "/admin/flows/general", "/admin/users"):
        assert coordinator.get(path).status_code in (302, 403, 404), path
