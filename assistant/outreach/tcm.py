"""The TCM clock: a patient not reached some hours before the deadline for an interactive
contact gets a task on the coordinator's list, due at that deadline."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import exists, select

from assistant.conversation.escalation import TCM_TASK, open_tcm_task
from assistant.records.db import transaction
from assistant.records.models import Alert, CheckIn, Episode

if TYPE_CHECKING:  # the wiring (assistant.services) imports this module
    from assistant.services import Services

REACHED = ("in_progress", "completed", "handed_over")


def watch_tcm_deadlines(services: Services) -> list[int]:
    """Open the task for episodes whose deadline is near and whose patient has not answered
    any check-in; returns their ids."""
    now = services.clock()
    horizon = now + timedelta(hours=services.settings.tcm_warning_hours)
    reached = exists().where(CheckIn.episode_id == Episode.id, CheckIn.status.in_(REACHED))
    tasked = exists().where(Alert.episode_id == Episode.id, Alert.reason == TCM_TASK)
    with services.sessions() as session:
        due = session.scalars(select(Episode.id).where(
            Episode.tcm_deadline > now, Episode.tcm_deadline <= horizon, ~reached, ~tasked)).all()
    for episode_id in due:
        with transaction(services.sessions) as session:
            open_tcm_task(session, episode_id, "not reached by the automated check-in yet", now)
    return list(due)
