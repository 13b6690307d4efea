"""TwiML for voice turns, built only with `twilio.twiml.voice_response`."""

from __future__ import annotations

from twilio.twiml.voice_response import Gather, VoiceResponse

from assistant.conversation.flows import Question
from assistant.safety import gather_hints

# Twilio speech recognition language and a neural voice for each patient language.
VOICES = {"en": ("en-US", "Polly.Joanna-Neural"), "es": ("es-US", "Polly.Lupe-Neural")}
YES_NO_HINTS = {"en": "yes, no, yeah, nope", "es": "sí, no, claro"}


def _say(response: VoiceResponse | Gather, text: str, language: str) -> None:
    code, voice = VOICES.get(language, VOICES["en"])
    response.say(text, voice=voice, language=code)


def hints_for(question: Question | None, language: str) -> str | None:
    """What the recogniser should expect: the answers, and on every question the words of a
    warning sign, so "chest" is not heard as "just" when it matters most."""
    if question is None:
        return None
    words: list[str] = []
    if question.kind == "yes_no":
        words = [YES_NO_HINTS.get(language, YES_NO_HINTS["en"])]
    elif question.kind == "choice":
        words = [*question.choices, *(s for syn in question.choices.values() for s in syn)]
    words += gather_hints(language if language in ("en", "es") else "en")
    return _fit(", ".join(dict.fromkeys(words)), 500)


def _fit(hints: str, limit: int) -> str:
    """Cut at a comma, never inside a phrase."""
    return hints if len(hints) <= limit else hints[:limit].rsplit(",", 1)[0]


def speak_then_ask(said: list[str], question_text: str, action: str, language: str,
                   question: Question | None) -> str:
    """Say `said`, then ask and listen for speech or keys; silence posts to `action` too."""
    response = VoiceResponse()
    for text in said:
        _say(response, text, language)
    gather = Gather(
        input="speech dtmf", action=action, method="POST", timeout=6, speech_timeout="auto",
        language=VOICES.get(language, VOICES["en"])[0], action_on_empty_result=True,
        finish_on_key="#", hints=hints_for(question, language),
        num_digits=1 if question is not None and question.kind == "yes_no" else None,
    )
    _say(gather, question_text, language)
    response.append(gather)
    return str(response)


def speak_then_hang_up(said: list[str], language: str) -> str:
    response = VoiceResponse()
    for text in said:
        _say(response, text, language)
    response.hangup()
    return str(response)


def speak_then_transfer(said: list[str], number: str, language: str) -> str:
    response = VoiceResponse()
    for text in said:
        _say(response, text, language)
    response.dial(number)
    return str(response)
