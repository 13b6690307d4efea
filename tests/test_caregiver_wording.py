"""A caregiver answering on the patient's behalf hears every check-in prompt in the third person
(`<id>@caregiver`), in both languages, with the same answering instructions and nothing the
wording layer cannot fill."""

from __future__ import annotations

import re

import pytest

from assistant.conversation.flow_loader import FlowLibrary
from assistant.conversation.flow_schema import SAMPLE_VALUES, SYSTEM_PROMPTS
from assistant.conversation.prompts import PromptCatalogue, placeholders
from assistant.foundation.config import PROJECT_ROOT
from assistant.foundation.sms_length import segments

SUFFIX = "@caregiver"
PROMPTS = PromptCatalogue.load(PROJECT_ROOT / "prompts")
LIBRARY = FlowLibrary.load(PROJECT_ROOT / "flows", PROMPTS)
VARIANTS = sorted({prompt_id for prompts in PROMPTS.languages.values()
                   for prompt_id in prompts if prompt_id.endswith(SUFFIX)})
VALUES = {**SAMPLE_VALUES, "patient_name": "Rosa", "first_name": "Ana", "when": "today",
          "sign": "chest pain or pressure", "purpose": "a water pill", "heard": "182"}
# Prompts a check-in may say that read the same whoever answers: no variant needed.
SAME_EITHER_WAY = {"meds_barrier", "questions_detail", "confirm_yes", "confirm_no", "help",
                   "opted_in", "conversation_closed", "unknown_sender", "holding_reply",
                   "voicemail", "transfer", "after_hours", "line_greeting", "read_back",
                   *(p for p in SYSTEM_PROMPTS if p.startswith("clarify_"))}
# Said before the date of birth is confirmed: the patient may be named, not their health.
BEFORE_IDENTITY = ("greeting", "identity_dob", "identity_retry", "identity_unreadable",
                   "identity_failed", "reminder", "question_back_who_early",
                   "question_back_why_early", "question_back_medicine_early")
# Written phrases that tell how to answer; "your date of birth" is the one a variant rewords.
INSTRUCTION = re.compile(r"reply|responda|example|ejemplo|escriba", re.IGNORECASE)
YOUR_DATE = re.compile(r"your date of birth|su fecha de nacimiento")
HEALTH_WORDS = ("hospital", "medicin", "prescription", "receta", "{medicine}", "visit", "cita")


def base_of(variant: str) -> str:
    return variant.removesuffix(SUFFIX)


def texts(prompt_id: str, language: str) -> tuple[str, str]:
    prompt = PROMPTS.languages[language][prompt_id]
    return prompt.sms, prompt.voice


def test_the_catalogue_loads_caregiver_variants_and_they_render_with_the_patients_name() -> None:
    assert len(VARIANTS) >= 60
    assert PROMPTS.render("chest_pain@caregiver", "en", patient_name="Rosa") \
        == "Does Rosa have any chest pain or pressure? Reply YES or NO."
    assert PROMPTS.render("chest_pain@caregiver", "es", patient_name="Rosa") \
        == "¿Rosa tiene dolor o presión en el pecho? Responda SÍ o NO."
    greeting = PROMPTS.render("greeting@caregiver", "en", **VALUES)
    assert greeting.startswith("Hi Ana,") and "check-in about Rosa" in greeting
    assert "Rosa's date of birth" in PROMPTS.render("identity_dob@caregiver", "en", "voice",
                                                    patient_name="Rosa")
    assert PROMPTS.render("meds_taking@caregiver", "es", medicine="Metformina",
                          patient_name="Rosa").startswith("¿Rosa está tomando Metformina")
    assert "will call you today" in PROMPTS.render("nurse_today@caregiver", "en", **VALUES)
    assert "le llamará hoy" in PROMPTS.render("nurse_today@caregiver", "es",
                                              **{**VALUES, "when": "hoy"})


@pytest.mark.parametrize("variant", VARIANTS)
def test_each_variant_is_in_both_languages_with_a_base_prompt(variant: str) -> None:
    for language in ("en", "es"):
        assert PROMPTS.has(variant, language), (variant, language)
        assert PROMPTS.has(base_of(variant), language), (variant, language)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("language", ["en", "es"])
def test_a_variant_uses_only_the_base_placeholders_and_the_patients_name(
        variant: str, language: str) -> None:
    allowed = set().union(*map(placeholders, texts(base_of(variant), language))) \
        | {"patient_name"}
    for text in texts(variant, language):
        assert placeholders(text) <= allowed, (variant, language, placeholders(text) - allowed)
    if not variant.startswith("sign_"):  # a phrase inside safety_check, which names them
        assert "patient_name" in placeholders(texts(variant, language)[0]), variant


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("language", ["en", "es"])
def test_a_variant_keeps_the_answering_instructions_and_says_them_on_a_call(
        variant: str, language: str) -> None:
    base_sms, base_voice = texts(base_of(variant), language)
    sms, voice = texts(variant, language)
    for written in PROMPTS.phrases[language]:
        if written in base_sms and INSTRUCTION.search(written) and not YOUR_DATE.search(written):
            assert written in sms, (variant, language, written)
    for word in ("Reply", "reply", "Responda", "responda"):
        if word not in base_voice:
            assert word not in voice, (variant, language, voice)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("language", ["en", "es"])
def test_a_variant_costs_at_most_one_more_text_than_its_base(variant: str,
                                                            language: str) -> None:
    base = PROMPTS.render(base_of(variant), language, **VALUES)
    assert segments(PROMPTS.render(variant, language, **VALUES)) <= segments(base) + 1


@pytest.mark.parametrize("language", ["en", "es"])
def test_nothing_before_identity_names_the_patients_health(language: str) -> None:
    for prompt_id in BEFORE_IDENTITY:
        for text in texts(prompt_id + SUFFIX, language):
            assert not any(word in text.lower() for word in HEALTH_WORDS), (prompt_id, text)


@pytest.mark.parametrize("language", ["en", "es"])
def test_emergency_words_for_a_caregiver_lead_with_what_to_do(language: str) -> None:
    for prompt_id, number in (("emergency_911", "911"), ("crisis_988", "988")):
        for text in texts(prompt_id + SUFFIX, language):
            first = text.split(". ")[0]
            assert number in first and "{patient_name}" in first, (prompt_id, text)


def test_every_prompt_a_shipped_flow_says_has_caregiver_wording() -> None:
    said = set(SYSTEM_PROMPTS) | {"safety_check", "hello_again", "visit_reminder"}
    for flow in LIBRARY.flows.values():
        said |= {question.prompt for question in flow.questions.values()}
        said |= {rule.say for rule in flow.rules if rule.say}
    missing = sorted(p for p in said - SAME_EITHER_WAY if p + SUFFIX not in VARIANTS)
    assert missing == []
