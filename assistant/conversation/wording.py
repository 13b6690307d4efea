"""Rendering what the assistant says to one patient, on one channel, in their language."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from assistant.care_team.promises import CallPromise
from assistant.conversation.flows import Flow
from assistant.conversation.prompts import PromptCatalogue
from assistant.foundation.config import Settings
from assistant.records.care_records import Caregiver
from assistant.records.models import Patient


class Later:
    """Text worked out only if a prompt uses it: the day a nurse will call needs the roster,
    and most messages do not say it."""

    def __init__(self, make: Callable[[], str]) -> None:
        self._make = make
        self._text: str | None = None

    def __str__(self) -> str:
        if self._text is None:
            self._text = self._make()
        return self._text


@dataclass(frozen=True)
class Addressee:
    """Whom a message speaks to: a caregiver answering on the patient's behalf. Prompts then
    use their `@caregiver` wording where there is one ("Does {patient_name} have ..."), in
    the caregiver's language, with {first_name} the caregiver's."""

    language: str
    first_name: str
    patient_name: str
    proxy: bool = True


def addressee(patient: Patient, caregiver: Caregiver | None) -> Patient | Addressee:
    """The caregiver while they may answer for the patient, else the patient."""
    if caregiver is None or not caregiver.can_answer:
        return patient
    return Addressee(caregiver.language or patient.language,
                     caregiver.name.split()[0] if caregiver.name.strip() else "",
                     patient.first_name)


class Wording:
    def __init__(self, prompts: PromptCatalogue, settings: Settings) -> None:
        self.prompts = prompts
        self.settings = settings
        self._overlays: dict[str, PromptCatalogue] = {}

    def _for(self, flow: Flow) -> PromptCatalogue:
        """The shared prompts with the flow's own on top, built once per flow version."""
        if flow.checksum not in self._overlays:
            self._overlays[flow.checksum] = self.prompts.overlay(flow.prompts)
        return self._overlays[flow.checksum]

    def say(self, prompt_id: str, patient: Patient | Addressee | None, channel: str = "sms",
            flow: Flow | None = None, **extra: object) -> str:
        """`flow`: its own wording comes first. `patient` may be a caregiver answering for
        the patient (an `Addressee`)."""
        language = patient.language if patient else "en"
        prompts = self._for(flow) if flow is not None and flow.prompts else self.prompts
        if isinstance(patient, Addressee):
            extra.setdefault("patient_name", patient.patient_name)
            if prompts.has(f"{prompt_id}@caregiver", language) or (
                    language != "en" and not prompts.has(prompt_id, language)
                    and prompts.has(f"{prompt_id}@caregiver", "en")):
                prompt_id = f"{prompt_id}@caregiver"
        if not prompts.has(prompt_id, language):
            language = "en"
        return prompts.render(
            prompt_id, language, channel,
            first_name=patient.first_name if patient else "",
            provider=self.settings.provider_name,
            callback=self.settings.callback_number,
            **extra,
        )

    def when_words(self, promise: CallPromise, patient: Patient | Addressee | None) -> str:
        """ "today", "tomorrow", "on Monday" (or "hoy", "mañana", "el lunes"): the day a
        nurse will really call, for {when} in a prompt."""
        if promise.day in ("today", "tomorrow"):
            return self.say(f"when_{promise.day}", patient)
        if not promise.day:
            return self.say("when_unknown", patient)
        return self.say("when_day", patient, day=self.say(f"day_{promise.day}", patient))
