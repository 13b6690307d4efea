"""What the assistant says, per language, with a voice wording where it differs from SMS."""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
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
        return fill(prompt.for_channel(channel), values, prompt_id)


FIELD = re.compile(r"[a-z_][a-z0-9_]*")


def fill(text: str, values: Mapping[str, object], prompt_id: str = "") -> str:
    """The text with each {name} replaced by its value, and nothing else: unlike str.format, no
    attribute or index access ("{first_name.__class__}"), no conversion and no format spec, so
    a prompt an admin wrote cannot reach into the objects behind the values."""
    out = []
    for literal, name, spec, conversion in _fields(text, prompt_id):
        out.append(literal)
        if name is None:
            continue
        if spec or conversion or not FIELD.fullmatch(name):
            raise PromptError(f"prompt {prompt_id!r}: {{{name}}} is not a plain name")
        if name not in values:
            raise PromptError(f"prompt {prompt_id!r} needs a value for {{{name}}}")
        out.append(str(values[name]))
    return "".join(out)


def field_problem(text: str) -> str | None:
    """Why a prompt's placeholders are refused, or None: only plain {names} may be used."""
    try:
        for _, name, spec, conversion in _fields(text, ""):
            if name is not None and (spec or conversion or not FIELD.fullmatch(name)):
                return f"{{{name}{'!' + conversion if conversion else ''}" \
                       f"{':' + spec if spec else ''}}} is not allowed: use a plain name " \
                       "such as {first_name}"
    except PromptError as exc:
        return str(exc)
    return None


def _fields(text: str, prompt_id: str) -> list[tuple[str, str | None, str, str | None]]:
    try:
        return list(string.Formatter().parse(text))
    except ValueError as exc:  # an unmatched brace
        raise PromptError(f"prompt {prompt_id!r}: {exc} (write {{{{ and }}}} for a brace)") \
            from None


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
        for text in ([value] if isinstance(value, str) else
                     [str(v) for v in value.values()] if isinstance(value, dict) else []):
            if problem := field_problem(text):
                raise YamlError(path, line_of(data, prompt_id), f"prompt {prompt_id!r}: {problem}")
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
