"""A readmission or a manual cancel closes a conversation in progress."""

from __future__ import annotations

import pytest

from assistant.intake.cancellation import cancel_episodes
from assistant.records.db import transaction
from tests.helpers import DOB_REPLY, checkin_status, enroll_patient, start_checkin


def test_a_readmission_closes_the_conversation_in_progress(services, phone) -> None:
    checkin_id = start_checkin(services)
    phone.text(DOB_REPLY)
    enroll_patient(services)  # the same patient discharged again
    assert checkin_status(services, checkin_id) == "cancelled"
    assert "This check-in has ended" in phone.text("better")[0]


def test_a_manual_cancel_needs_a_known_reason(services) -> None:
    episode_id = enroll_patient(services)
    with transaction(services.sessions) as session:
        assert cancel_episodes(session, services.dialogue, [episode_id], "manual",
                               services.clock()) == 3
    with pytest.raises(ValueError, match="reason 'bored' is not one of"), \
            transaction(services.sessions) as session:
        cancel_episodes(session, services.dialogue, [episode_id], "bored", services.clock())
