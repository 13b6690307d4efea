"""Rendering what the assistant says to one patient, on one channel, in their language."""

from __future__ import annotations

from assistant.conversation.flows import Flow
from assistant.conversation.prompts import PromptCatalogue
from assistant.foundation.config import Settings
from assistant.records.models import Patient


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

    def say(self, prompt_id: str, patient: Patient | None, channel: str = "sms",
            flow: Flow | None = None, **extra: object) -> str:
        """`flow`: its own wording comes first."""
        language = patient.language if patient else "en"
        prompts = self._for(flow) if flow is not None and flow.prompts else self.prompts
        if not prompts.has(prompt_id, language):
            language = "en"
        return prompts.render(
            prompt_id, language, channel,
            first_name=patient.first_name if patient else "",
            provider=self.settings.provider_name,
            callback=self.settings.callback_number,
            **extra,
        )
