"""A text between check-ins that answers the day-before visit reminder. "C" or "can't make
it" becomes a routine task for the team, due by the visit; a confirmation or thanks is
answered kindly; anything else is passed to the team with the patient's words, so no reply
to the reminder is lost. The safety net and the keywords have had their turn before this
(`Dialogue.outside_conversation`)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from assistant.conversation.escalation import evidence, raise_alert
from assistant.conversation.understanding import interpret_yes_no
from assistant.records.models import Appointment, Episode, Message, Patient
from assistant.safety import normalise

# A reply within this long of the reminder answers it (the visit is the next day).
REPLY_WINDOW = timedelta(days=2)
CANNOT_ATTEND = "visit_cannot_attend"
REMINDER_REPLY = "visit_reminder_reply"
# What the reminder asks for ("Reply C if you can't make it"), and plain thanks.
CANNOT = {"c", "cant", "cannot", "can not", "no puedo"}
THANKS = {"thank you", "thanks", "thx", "ty", "thank u", "ok thank you", "ok thanks",
          "gracias", "muchas gracias", "ok gracias"}


def reminded_visit(episode: Episode, now: datetime) -> Appointment | None:
    """The visit whose reminder went lately and that has not started yet."""
    return next((a for a in episode.appointments if a.reminded_at is not None
                 and now - REPLY_WINDOW < a.reminded_at <= now and a.starts_at > now), None)


def reads_as(text: str) -> bool | None:
    """True: they will be there; False: they cannot make it; None: something else."""
    words = " ".join(re.findall(r"[a-z0-9]+", normalise(text)))
    if words in CANNOT:
        return False
    if words in THANKS:
        return True
    reading = interpret_yes_no(text, "visit_confirm")
    return reading.value if reading.understood and not reading.hedged else None


def answer_reminder_reply(session: Session, patient: Patient, visit: Appointment, text: str,
                          message: Message | None, now: datetime) -> str:
    """Raise what the reply needs and return the prompt id to answer it with."""
    attending = reads_as(text)
    if attending:
        return "visit_see_you"
    cannot = attending is False
    raise_alert(
        session, patient_id=patient.id, episode_id=visit.episode_id, conversation_id=None,
        reason=CANNOT_ATTEND if cannot else REMINDER_REPLY, severity="routine",
        summary="Patient can't make the follow-up visit" if cannot else
        "Reply to the follow-up visit reminder: please read it",
        question_id=None,
        evidence=evidence(None, False if cannot else None, text,
                          message.id if message else None, now),
        now=now, due_at=visit.starts_at)
    return "visit_cannot_make_it" if cannot else "visit_reply_passed_on"
