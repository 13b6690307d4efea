"""The TCM clock: a patient no nurse has reached some hours before the deadline for an
interactive contact gets a task on the coordinator's list, due at that deadline. An answered
automated check-in does not stop it: CMS does not count it as the contact."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import exists, select

from assistant.care_team.tcm_record import TCM_TASK
from assistant.conversation.escalation import open_tcm_task
from assistant.records.care_records import TcmRecord
from assistant.records.db import transaction
from assistant.records.models import Alert, Episode

if TYPE_CHECKING:  # the wiring (assistant.services) imports this module
    from assistant.services import Services


def watch_tcm_deadlines(services: Services) -> list[int]:
    """Open the task for episodes whose deadline is near and whose patient no nurse has
    reached yet; returns their ids."""
    now = services.clock()
    horizon = now + timedelta(hours=services.settings.tcm_warning_hours)
    reached = exists().where(TcmRecord.episode_id == Episode.id,
                             TcmRecord.first_contact_at.is_not(None))
    tasked = exists().where(Alert.episode_id == Episode.id, Alert.reason == TCM_TASK)
    with services.sessions() as session:
        due = session.scalars(select(Episode.id).where(
            Episode.tcm_deadline > now, Episode.tcm_deadline <= horizon, ~reached, ~tasked)).all()
    for episode_id in due:
        with transaction(services.sessions) as session:
            open_tcm_task(session, episode_id, "no nurse has reached the patient yet", now)
    return list(due)
