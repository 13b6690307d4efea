"""A caregiver who answers for the patient: the check-in goes to their phone, in their
language and about the patient; their replies are the patient's answers; an emergency is
told to them first; and the nurse sees whom to call."""

from __future__ import annotations

from sqlalchemy import select

from assistant.care_team.caregivers import NewCaregiver, add_caregiver
from assistant.outreach.dispatch import dispatch_due
from assistant.records.db import transaction
from assistant.records.models import Alert, Conversation, Patient
from carecall.simulator import SimulatedPhone
from tests.conftest import AUTH_TOKEN, SERVICE_NUMBER
from tests.helpers import DOB_REPLY, enroll_patient, make_first_checkin_due

DAUGHTER = "+12015550188"


def _with_proxy(services, clock, consent: bool = True, proxy: bool = True):  # type: ignore[no-untyped-def]
    episode_id = enroll_patient(services)
    with transaction(services.sessions) as session:
        patient = session.scalars(select(Patient)).one()
        add_caregiver(session, patient, NewCaregiver(
            "Maria Rivera", "daughter", DAUGHTER, "en", consent=consent, is_proxy=proxy),
            source="dashboard", actor="test", default_region="US", now=clock.now)
    make_first_checkin_due(services, episode_id)
    dispatch_due(services, "w1")


def _daughter(client) -> SimulatedPhone:  # type: ignore[no-untyped-def]
    from tests.conftest import poster_for

    return SimulatedPhone(DAUGHTER, SERVICE_NUMBER, AUTH_TOKEN, "https://carecall.example.org",
                          poster_for(client))


def test_the_check_in_goes_to_the_proxy_and_her_answers_count(services, network, clock,
                                                               client) -> None:
    _with_proxy(services, clock)
    assert {message.to for message in network.outbox} == {DAUGHTER}
    greeting = network.outbox[0].body
    assert greeting.startswith("Hi Maria") and "check-in about Alex" in greeting
    daughter = _daughter(client)
    daughter.text(DOB_REPLY)  # the patient's date of birth, which she knows
    replies = daughter.text("worse")
    assert any("will call you today" in reply for reply in replies)
    replies = daughter.text("no")  # chest pain?
    assert replies[-1].startswith("Is Alex more short of breath")
    replies = daughter.text("yes he has chest pain")
    assert replies[0].startswith("Please call 911 for Alex now")
    with services.sessions() as session:
        conversation = session.scalars(select(Conversation)).one()
        assert conversation.respondent is not None
        assert conversation.respondent.name == "Maria Rivera"
        alert = session.scalars(select(Alert).where(Alert.reason == "feeling_worse")).one()
        assert alert.evidence[-1]["respondent"] == "Maria Rivera (daughter)"
        assert alert.evidence[-1]["respondent_phone"] == DAUGHTER


def test_the_alert_page_says_whom_to_call(services, network, clock, client,
                                          coordinator) -> None:
    _with_proxy(services, clock)
    daughter = _daughter(client)
    daughter.text(DOB_REPLY)
    daughter.text("worse")
    with services.sessions() as session:
        alert_id = session.scalars(select(Alert.id).where(Alert.reason == "feeling_worse")).one()
    page = coordinator.get(f"/alerts/{alert_id}").get_data(as_text=True)
    assert "Maria Rivera" in page and f'href="tel:{DAUGHTER}"' in page
    assert "call them first" in page


def test_without_consent_a_caregiver_is_never_asked(services, network, clock) -> None:
    _with_proxy(services, clock, consent=False, proxy=False)
    assert {message.to for message in network.outbox} == {"+12015550123"}


def test_a_caregiver_is_not_asked_the_self_report_mood_screen(services, network, clock,
                                                               client) -> None:
    """PHQ-2 is validated as the patient's own report: by proxy it is skipped, not guessed."""
    _with_proxy(services, clock)
    daughter = _daughter(client)
    said = daughter.text(DOB_REPLY)
    for _ in range(25):
        replies = daughter.text("better" if "BETTER" in said[-1] else "no")
        said += replies
        if any("that's all for today" in reply for reply in replies):
            break
    assert any("that's all for today" in reply for reply in said)
    assert not any("interest or pleasure" in reply for reply in said)
