"""Notes the care team writes on a patient: what was said on a call, what was arranged. Part
of the record, so every note is audited and never edited in place."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.records.audit import record
from assistant.records.care_records import CareNote
from assistant.records.models import Patient

MAX_NOTE = 4000


class NoteError(ValueError):
    pass


def add_note(session: Session, patient: Patient, body: str, *, author: str, now: datetime,
             episode_id: int | None = None) -> CareNote:
    text = body.strip()
    if not text:
        raise NoteError("The note is empty: write what happened before saving it.")
    if len(text) > MAX_NOTE:
        raise NoteError(f"The note is {len(text)} characters long; the most is {MAX_NOTE}. "
                        "Shorten it or split it into two notes.")
    note = CareNote(patient_id=patient.id, episode_id=episode_id, author=author, body=text,
                    created_at=now)
    session.add(note)
    session.flush()
    record(session, actor=author, action="created", subject="care_note", subject_id=note.id,
           now=now, detail=f"patient {patient.id}")
    return note


def notes_of(session: Session, patient_id: int) -> list[CareNote]:
    """Newest first: the last thing the team did is what the next nurse needs."""
    return list(session.scalars(select(CareNote).where(CareNote.patient_id == patient_id)
                                .order_by(CareNote.created_at.desc(), CareNote.id.desc())))
