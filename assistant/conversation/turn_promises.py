"""What a turn promises the person answering: the day a nurse will call, worked out once per
turn from the roster (`assistant.care_team.promises`), in the words of whoever is answering."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.care_team.promises import CallPromise
from assistant.conversation.wording import Later

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.orm import Session

    from assistant.conversation.dialogue import Dialogue
    from assistant.conversation.wording import Addressee
    from assistant.records.models import Patient


class TurnPromises:
    """A mixin of `AnswerTurn`: it uses the turn's dialogue, session, patient, addressee and
    clock."""

    dialogue: Dialogue
    session: Session
    patient: Patient
    to: Patient | Addressee
    now: datetime
    _promises: dict[tuple[str, str | None], CallPromise]

    def promise(self, severity: str, off_duty: str | None = None) -> CallPromise:
        """What an alert of this severity will deliver: the one source of "a nurse will call
        you today" (or tomorrow, or on Monday)."""
        key = (severity, off_duty)
        if key not in self._promises:
            self._promises[key] = self.dialogue.promises.for_severity(
                self.session, severity, self.patient.time_zone, self.now, off_duty)
        return self._promises[key]

    def when(self, promise: CallPromise | None = None) -> Later:
        """{when} for a prompt, worked out only if the prompt says it."""
        return Later(lambda: self.dialogue.wording.when_words(
            promise or self.promise("urgent"), self.to))
