"""TwiML for voice turns, built only with `twilio.twiml.voice_response`."""

from __future__ import annotations

from twilio.twiml.voice_response import Gather, VoiceResponse

from .flows import Question

# Twilio speech recognition language and a neural voice for each patient language.
VOICES = {"en": ("en-US", "Polly.Joanna-Neural"), "es": ("es-US", "Polly.Lupe-Neural")}
YES_NO_HINTS = {"en": "yes, no, yeah, nope", "es": "sí, no, claro"}


def _say(response: VoiceResponse | Gather, text: str, language: str) -> None:
    code, voice = VOICES.get(language, VOICES["en"])
    response.say(text, voice=voice, language=code)


def hints_for(question: Question | None, language: str) -> str | None:
    if question is None:
        return None
    if question.kind == "yes_no":
        return YES_NO_HINTS.get(language, YES_NO_HINTS["en"])
    if question.kind == "choice":
        words = [*question.choices, *(s for syn in question.choices.values() for s in syn)]
        return ", ".join(dict.fromkeys(words))[:500]
    return None


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
