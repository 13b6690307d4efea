"""What the assistant says, per language, with a voice wording where it differs from SMS."""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from pathlib import Path

from assistant.foundation.yamlsource import YamlError, line_of, load_yaml

CHANNELS = ("sms", "voice")


class PromptError(LookupError):
    pass


@dataclass(frozen=True)
class Prompt:
    sms: str
    voice: str

    def for_channel(self, channel: str) -> str:
        return self.voice if channel == "voice" else self.sms


@dataclass(frozen=True)
class PromptCatalogue:
    """All prompt files: language → prompt id → Prompt."""

    languages: dict[str, dict[str, Prompt]]
    # Each language's written phrases and how they are said on a call (the `_voice` key).
    phrases: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def load(cls, folder: Path) -> PromptCatalogue:
        languages, phrases = {}, {}
        for path in sorted(folder.glob("*.yaml")):
            languages[path.stem], phrases[path.stem] = _load_file(path)
        if "en" not in languages:
            raise YamlError(str(folder / "en.yaml"), 0, "the English prompt file is missing")
        return cls(languages, phrases)

    def overlay(self, own: dict[str, dict[str, Prompt]]) -> PromptCatalogue:
        """These prompts with a flow's own wording on top."""
        merged = {language: {**prompts, **own.get(language, {})}
                  for language, prompts in self.languages.items()}
        return PromptCatalogue(merged, self.phrases)

    def has(self, prompt_id: str, language: str) -> bool:
        return prompt_id in self.languages.get(language, {})

    def render(self, prompt_id: str, language: str, channel: str = "sms", **values: object) -> str:
        try:
            prompt = self.languages[language][prompt_id]
        except KeyError as exc:
            raise PromptError(f"no prompt {prompt_id!r} in language {language!r}") from exc
        return prompt.for_channel(channel).format_map(_Strict(values, prompt_id))


class _Strict(dict):
    def __init__(self, values: dict[str, object], prompt_id: str) -> None:
        super().__init__(values)
        self.prompt_id = prompt_id

    def __missing__(self, key: str) -> str:
        raise PromptError(f"prompt {self.prompt_id!r} needs a value for {{{key}}}")


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def spoken(text: str, phrases: dict[str, str]) -> str:
    """The voice wording of an SMS text: "Reply YES or NO." becomes "Say yes or press 1...".
    Each prompt file lists its phrases under `_voice`; a prompt's own `voice` wins."""
    for written, said in phrases.items():
        text = text.replace(written, said)
    return " ".join(text.split())


def _load_file(path: Path) -> tuple[dict[str, Prompt], dict[str, str]]:
    data = load_yaml(path.read_text(encoding="utf-8"), str(path))
    if not isinstance(data, dict):
        raise YamlError(str(path), line_of(data), "expected a mapping of prompt id to text")
    phrases = data.pop("_voice", {}) or {}
    if not isinstance(phrases, dict):
        raise YamlError(str(path), line_of(data, "_voice"), "_voice must map written phrases "
                        "to their spoken form")
    phrases = {str(k): str(v) for k, v in phrases.items()}
    return parse_prompts(data, str(path), phrases), phrases


def parse_prompts(data: dict, path: str, phrases: dict[str, str]) -> dict[str, Prompt]:
    """Prompt id → Prompt, from a prompt file or a flow's own `prompts:` for one language."""
    prompts = {}
    for prompt_id, value in data.items():
        if isinstance(value, str):
            prompts[prompt_id] = Prompt(sms=value.strip(), voice=spoken(value.strip(), phrases))
        elif isinstance(value, dict) and "sms" in value:
            unknown = set(value) - set(CHANNELS)
            if unknown:
                raise YamlError(
                    path, line_of(data, prompt_id), f"prompt {prompt_id!r}: unknown "
                    f"variant(s) {sorted(unknown)}; use sms and voice"
                )
            sms = str(value["sms"]).strip()
            voice = str(value["voice"]).strip() if "voice" in value else spoken(sms, phrases)
            prompts[prompt_id] = Prompt(sms=sms, voice=voice)
        else:
            raise YamlError(
                path, line_of(data, prompt_id),
                f"prompt {prompt_id!r} must be text or a mapping with sms (and voice) text",
            )
    return prompts
