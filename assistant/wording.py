"""Rendering what the assistant says to one patient, on one channel, in their language."""

from __future__ import annotations

from .config import Settings
from .models import Patient
from .prompts import PromptCatalogue


class Wording:
    def __init__(self, prompts: PromptCatalogue, settings: Settings) -> None:
        self.prompts = prompts
        self.settings = settings

    def say(self, prompt_id: str, patient: Patient | None, channel: str = "sms",
            **extra: object) -> str:
        language = patient.language if patient else "en"
        if not self.prompts.has(prompt_id, language):
            language = "en"
        return self.prompts.render(
            prompt_id, language, channel,
            first_name=patient.first_name if patient else "",
            provider=self.settings.provider_name,
            callback=self.settings.callback_number,
            **extra,
        )
