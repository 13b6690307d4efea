"""The red-flag safety net: every warning sign caught whatever the phrasing, negations not,
each at the tier its words and context call for."""

from __future__ import annotations

import pytest

from assistant.safety import RED_FLAG_IDS, assess, scan

CAUGHT = [
    # English
    ("I have some chest pain", "chest_pain"),
    ("my chest hurts again", "chest_pain"),
    ("chest really hurts today", "chest_pain"),
    ("there's pressure in my chest", "chest_pain"),
    ("I think I'm having a heart attack", "chest_pain"),
    ("No I have chest pain", "chest_pain"),
    ("no fever, but chest pain", "chest_pain"),
    ("not sure if it's chest pain", "chest_pain"),
    ("chest pian since last night", "chest_pain"),
    ("I can't breathe", "breathing"),
    ("I cant breath", "breathing"),
    ("having trouble breathing", "breathing"),
    ("it's hard to breathe when I lie down", "breathing"),
    ("my lips are blue", "breathing"),
    ("I passed out this morning", "fainting"),
    ("fainted in the bathroom", "fainting"),
    ("I feel confused", "confusion"),
    ("mom seems disoriented today", "confusion"),
    ("her face is drooping", "stroke"),
    ("slurred speech and my arm is weak", "stroke"),
    ("I think he had a stroke", "stroke"),
    ("the wound is bleeding a lot", "bleeding"),
    ("I'm vomiting blood", "bleeding"),
    ("I'm coughing up blood", "coughing_blood"),
    ("pink frothy spit", "coughing_blood"),
    ("I fell and hit my head", "head_injury"),
    ("bumped my head on the cabinet", "head_injury"),
    ("I want to kill myself", "self_harm"),
    ("I don't want to live anymore", "self_harm"),
    ("sometimes I think about suicide", "self_harm"),
    # Spanish
    ("me duele el pecho", "chest_pain"),
    ("tengo dolor de pecho", "chest_pain"),
    ("siento presión en el pecho", "chest_pain"),
    ("no puedo respirar", "breathing"),
    ("me falta el aire", "breathing"),
    ("me desmayé ayer", "fainting"),
    ("estoy confundida", "confusion"),
    ("tiene la boca torcida", "stroke"),
    ("estoy sangrando mucho", "bleeding"),
    ("estoy tosiendo sangre", "coughing_blood"),
    ("me caí y me golpeé la cabeza", "head_injury"),
    ("quiero morir", "self_harm"),
    ("no quiero vivir", "self_harm"),
]

NOT_CAUGHT = [
    "no chest pain",
    "No chest pain today",
    "I don't have any trouble breathing",
    "I dont have chest pain or trouble breathing",
    "denies chest pain",
    "chest pain is gone now",
    "no more chest pain",
    "I haven't had any chest pain since I got home",
    "what should I do if I get chest pain?",
    "I had a stroke years ago",
    "I'm confused about my pills",
    "the bleeding stopped",
    "I painted the kitchen",
    "fine thanks, no problems",
    "yes", "no", "nope", "better", "si",
    "sin dolor de pecho",
    "no tengo dolor de pecho",
    "ya no me duele el pecho",
    "no me he desmayado",
    "I can't stop coughing",
    "my breathing is fine",
]


@pytest.mark.parametrize(("text", "flag"), CAUGHT)
def test_every_warning_sign_is_caught(text: str, flag: str) -> None:
    assert flag in scan(text)


@pytest.mark.parametrize("text", NOT_CAUGHT)
def test_negated_past_and_hypothetical_signs_are_not_flagged(text: str) -> None:
    assert scan(text) == []


def test_every_red_flag_has_english_and_spanish_cases() -> None:
    assert {flag for _, flag in CAUGHT} == set(RED_FLAG_IDS)


def test_several_signs_in_one_message_are_all_reported() -> None:
    assert scan("I passed out and hit my head, now I'm confused") == [
        "fainting", "confusion", "head_injury"]


def finding(text: str, flag: str) -> tuple[str, str]:
    found = {f.flag: (f.tier, f.severity) for f in assess(text).findings}
    assert flag in found, f"{flag} not found in {text!r}: {assess(text)}"
    return found[flag]


@pytest.mark.parametrize(("text", "flag"), [
    # A concept from its parts: a sensation and a site, at a distance, in a simile.
    ("like a fridge is parked on my chest", "chest_pain"),
    ("pain right in the middle of my chest since lunch", "chest_pain"),
    ("an ache that goes down into my left arm", "chest_pain"),
    ("CHEST REALLY TIGHT", "chest_pain"),
    ("my cehst hurts", "chest_pain"),
    ("me aprieta el pecho bien feo", "chest_pain"),
    # Conjugations and typos, in both languages.
    ("anoche tosí sangre", "coughing_blood"),
    ("estaba escupiendo sangre", "coughing_blood"),
    ("se le torció la boca a mi papá", "stroke"),
    ("vomitó sangre dos veces", "bleeding"),
    ("i passd out in the kitchen", "fainting"),
    # Caregivers about the patient, now.
    ("my wife is talking nonsense tonight", "confusion"),
    ("mom's lips look kind of blue", "breathing"),
    # Pseudo-negation and doubt are not denials.
    ("the incision won't stop bleeding", "bleeding"),
    ("no para de sangrar la herida", "bleeding"),
    ("not sure if it's my heart but my chest feels heavy", "chest_pain"),
    ("no fever, but my chest hurts", "chest_pain"),
    # A sign that passed today still counts; comparisons with the past are the present.
    ("my arm went numb for ten minutes this morning, fine now", "stroke"),
    ("pressure in my chest like before my stent", "chest_pain"),
    ("used to could walk to church, now I'm winded halfway", "breathing"),
    # A caregiver naming themself: the signs are the patient's, not the relative's.
    ("this is lupes daughter, her face looks droopy on one side", "stroke"),
    ("soy la hija de don pedro, se desmayó en la cocina", "fainting"),
    # A checklist's ticks and crosses end its items.
    ("pills ✔️ walk ✔️ chest tight again ✖️", "chest_pain"),
    # "sister" said to the nurse is not a relative with the sign.
    ("yes sister, my chest hurts bad", "chest_pain"),
    # Spanish "bien" as "very" in a mixed sentence.
    ("his breathing is bien bad, he can't talk", "breathing"),
])
def test_signs_are_found_from_their_parts_and_in_context(text: str, flag: str) -> None:
    assert finding(text, flag)[0] == "certain"


@pytest.mark.parametrize("text", [
    "the nurse told me to call 911 if my lips turn blue",
    "what should I do if I faint?",
    "my sister had heart pains before her bypass",
    "the roommate at rehab fell and hit her head",
    "had a stroke in 2009, nothing new since",
    "the tightness I had in the hospital is totally gone",
    "chest pain: none. breathing: fine",
    "chest pain? no. short of breath? no.",
    "this heat is killing me",
    "I'm dying to see my grandkids",
    "the bill about gave me a heart attack",
    "me muero de risa con mi nieto",
    "my blood pressure was 130 over 80",
    "I'm confused about which pill to take at night",
    "hace muchos años tuve un derrame, ahora estoy bien",
    "bought blackout curtains for the bedroom, sleeping much better",
    "mañana me sacan sangre para los laboratorios",
    "de jovencito me desmayaba con las agujas, ahora ni me inmuto",
    "the lady in the bed across from me had chest pain all night, glad to be home",
    "marthas sister fainted at the wedding, martha herself is doing great",
    "back in eighty two i passed out at a ballgame, nothing since",
    "the physical therapist came to the house today, we walked to the corner",
    "the fridge is making a noise, i think its the compressor",
    "my cousin lost her husband to suicide last spring, so I signed up to walk for prevention",
    "I know fainting means I should call 911. Nothing like that has happened.",
])
def test_context_keeps_look_alikes_quiet(text: str) -> None:
    assert assess(text).findings == ()


def test_breathless_at_rest_is_an_emergency_and_breathless_on_the_stairs_is_urgent() -> None:
    assert finding("so short of breath I can't finish a sentence, even sitting", "breathing") \
        == ("certain", "emergency")
    assert finding("a bit short of breath on the stairs", "breathing") == ("certain", "urgent")
    assert finding("me ahogo un poco al caminar", "breathing") == ("certain", "urgent")


def test_a_little_spotting_is_for_a_nurse_and_soaking_through_is_an_emergency() -> None:
    assert finding("a little bleeding from the incision", "bleeding") == ("certain", "urgent")
    assert finding("blood soaking through the bandage", "bleeding") == ("certain", "emergency")


def test_a_question_about_a_sign_is_possible_so_a_nurse_checks() -> None:
    assert finding("is it normal that my chest hurts?", "chest_pain") == ("possible", "emergency")


def test_a_typo_that_only_a_correction_explains_is_possible() -> None:
    assert finding("i faintd", "fainting")[0] in ("certain", "possible")
    assert assess("I painted the kitchen").findings == ()


@pytest.mark.parametrize("text", [
    "I'd rather not wake up tomorrow",
    "everyone would be better off without me",
    "been saving up my pain pills",
    "if I don't wake up it's fine",
    "my husband says he wants to end his life",
    "ya no quiero vivir",
    "que Dios me lleve ya",
    "kms",
])
def test_every_kind_of_self_harm_goes_to_988_whatever_its_grammar(text: str) -> None:
    assert finding(text, "self_harm") == ("certain", "emergency")


@pytest.mark.parametrize("text", [
    "no I don't have any thoughts of hurting myself",
    "I could kill for a coffee",
    "dead tired after the walk",
    "my husband died last year and I miss him",
])
def test_talk_of_death_that_is_not_self_harm_is_left_alone(text: str) -> None:
    assert "self_harm" not in scan(text)


def test_speech_to_text_without_punctuation_is_read_too() -> None:
    assert "chest_pain" in scan("um yeah my chest has been real tight since this morning")
    assert "fainting" in scan("i kinda past out in the shower")


@pytest.mark.parametrize("text", [
    "the queue at the bank was so long i nearly fainted lol jk",  # a joke, taken back
    "Warning signs they gave me: chest pain, short of breath, passing out. I have none of those",
    "le pregunté a mi mamá si le falta el aire y dice que no que está tranquila",
    "cuánto cuesta la insulina sin seguro? la farmacia me cobró mucho",
    "some guy at church fainted during the long hymn, I'm doing fine",
])
def test_jokes_lists_denied_after_and_prices_raise_nothing(text: str) -> None:
    assert assess(text).findings == ()


@pytest.mark.parametrize("text", [
    "ya no sirvo para nada, mejor me muero",  # despair, not a denial of what follows
    "don't bother booking me, I'll be gone by then one way or another",
    "tell the kids I love them and I'm sorry",
    "a joke for you: I want to die jk",  # self-harm is never taken back by a joke
])
def test_despair_a_plan_and_a_passed_on_goodbye_go_to_988(text: str) -> None:
    assert "self_harm" in assess(text).emergencies


def test_a_sign_before_a_blanket_denial_of_what_came_before_is_still_a_sign() -> None:
    assert assess("I blacked out in the kitchen. Nothing like that before").emergencies == [
        "fainting"]


@pytest.mark.parametrize("text", ["cant breathe good", "no puedo respirar bien"])
def test_a_sign_that_is_itself_a_cannot_is_not_denied_by_good_after_it(text: str) -> None:
    assert assess(text).emergencies == ["breathing"]


@pytest.mark.parametrize("text", [
    "a bit more winded on the hill to the mailbox, sitting down im fine",
    "le falta el aire cuando barre el patio, sentado está tranquilo",
    "tiny spot of blood on the gauze, not dripping at all",
    "the bandage has a pink stain, no se escurre",
])
def test_a_graver_word_denied_or_cleared_does_not_make_an_urgent_sign_an_emergency(
        text: str) -> None:
    found = assess(text)
    assert found.findings and not found.emergencies


@pytest.mark.parametrize("text", [
    "winded even sitting in my chair",
    "blood dripping through the dressing",
])
def test_a_graver_word_said_of_the_sign_still_makes_it_an_emergency(text: str) -> None:
    assert assess(text).emergencies


@pytest.mark.parametrize("text", [
    "Sorry for all the trouble. You won't hear from me again.",
    "Got my affairs in order. Gave my fishing rods to my grandson. Ya no me busquen.",
    'my daughter texted "tell everyone i love them" and now she wont answer her phone',
])
def test_a_goodbye_told_over_several_sentences_goes_to_988(text: str) -> None:
    assert "self_harm" in assess(text).emergencies


@pytest.mark.parametrize("text", [
    "Thank you, see you at the appointment. Bye!",  # an ordinary sign-off
    "Don't call me again, I'm done with this program",  # an opt-out, not a goodbye
    "tengo el brazo bien fuerte ya",  # "bien" before a word is "very", and here it is strength
])
def test_ordinary_sign_offs_raise_nothing(text: str) -> None:
    assert "self_harm" not in assess(text).flags


def test_spanish_bien_before_a_word_is_very_not_fine() -> None:
    assert assess("tengo la pierna izquierda bien dormida desde la mañana").emergencies == [
        "stroke"]


@pytest.mark.parametrize("name", ["concepts.yaml", "context.yaml"])
def test_the_vocabulary_files_name_each_class_and_list_once(name: str) -> None:
    """YAML keeps the last of two equal keys without a word: a class written twice loses the
    first one's words."""
    from pathlib import Path

    import yaml

    class Strict(yaml.SafeLoader):
        pass

    def mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict:
        keys = [loader.construct_object(key) for key, _ in node.value]
        assert len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)
        return loader.construct_mapping(node)

    Strict.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    path = Path(__file__).parents[1] / "assistant" / "safety" / name
    yaml.load(path.read_text(encoding="utf-8"), Loader=Strict)


@pytest.mark.parametrize("text, severity", [
    ("knocked my head on the shed door, no fall, just sore", "urgent"),
    ("se pegó en la cabeza con la alacena, no se cayó", "urgent"),
    ("knocked my head on the shed door, no fall. I take warfarin", "emergency"),  # any sentence
    ("slipped in the tub and hit my head", "emergency"),
    ("a little pink when I pee, I'm on Eliquis", "urgent"),  # a thinner alone: not a 911
    ("nosebleed for 45 min now on eliquis, pinching doesnt help", "emergency"),
])
def test_a_blow_to_the_head_and_bleeding_follow_the_reference(text: str, severity: str) -> None:
    (finding,) = [f for f in assess(text).findings if f.flag in ("head_injury", "bleeding")]
    assert finding.severity == severity


@pytest.mark.parametrize("text", [
    "Leaving my cat with my sister tomorrow. After that I'm done.",
    "stopped taking the water pills on purpose. i want my heart to give out and be done",
    "Tengo una soga en el garaje desde hace una semana.",  # "desde hace": still so, not past
])
def test_a_plan_or_a_decision_over_several_sentences_goes_to_988(text: str) -> None:
    assert "self_harm" in assess(text).emergencies


def test_a_relative_who_just_left_hospital_is_the_patient_not_someone_else() -> None:
    text = "Mi hermana está tosiendo sangre desde anoche. Salió del hospital el viernes."
    assert "coughing_blood" in assess(text).emergencies


def test_no_puedo_salir_is_about_leaving_the_house() -> None:
    assert assess("me aburro mucho porque no puedo salir de la casa").findings == ()


@pytest.mark.parametrize("text", [
    "honestly my kids would be better off, I'm worth more dead with the life insurance",
    "if you dont hear from me, I love you all. Thank you for everything",
    "i keep thinking about driving off the mountain road on the way home",
])
def test_veiled_self_harm_in_plain_words_goes_to_988(text: str) -> None:
    assert "self_harm" in assess(text).emergencies


@pytest.mark.parametrize("text", [
    "sleeping better now, not waking up gasping like before",
    "nosebleed? no, none",
    "That sleeping pill knocked me out cold, slept 9 hours",
    "what do I do if she falls? I'm scared of her hitting her head someday",
])
def test_better_sleep_a_question_answered_and_worries_raise_nothing(text: str) -> None:
    assert assess(text).findings == ()


@pytest.mark.parametrize("text", [
    "my uncle in Manila had a stroke last week, we're all worried. Mom is fine, took her pills",
    "a mi prima le duele el pecho y la llevaron a urgencias, mi mamá está bien gracias",
])
def test_a_sign_of_the_wider_family_when_the_patient_is_said_to_be_fine_is_theirs(
        text: str) -> None:
    assert assess(text).findings == ()


def test_an_aunt_who_is_the_patient_is_still_read() -> None:
    assert "fainting" in assess("mi tía se desmayó en la cocina, está en el piso").emergencies


@pytest.mark.parametrize("text", [
    "mi suegro dice que se va a colgar del árbol si lo regresan al hospital",
    "going to see my people who passed tonight, thank you for everything",
    "Rough week. Mejor ni estuviera aquí la verdad",
])
def test_more_veiled_self_harm_goes_to_988(text: str) -> None:
    assert "self_harm" in assess(text).emergencies


@pytest.mark.parametrize("text", [
    "Dad sees the stroke doctor Tuesday and the heart echo is Friday, can you send a ride",
    "Los laboratorios de sangre son el lunes, ¿voy en ayunas?",
    "went to the blood drive at church but they wouldn't let me donate",
])
def test_appointments_and_blood_drives_raise_nothing(text: str) -> None:
    assert assess(text).findings == ()


# Found by a review of the rules added for rounds 7 to 14: each once silenced or under-triaged
# a sign the patient told of themself.
@pytest.mark.parametrize("text, flag", [
    ("I told my grandson I'm fine but I have crushing chest pain right now", "chest_pain"),
    ("No estoy bien, mi nieto me trajo y me duele mucho el pecho", "chest_pain"),
    ("No es broma, no puedo respirar", "breathing"),
    ("I want to kill myself. Nothing like that helps.", "self_harm"),
    ("My symptoms right now: crushing chest pain, I can't breathe, and I fainted", "chest_pain"),
    ("My dad fell and hit his head, I asked if he wanted to go to the ER and he said no and "
     "went to bed", "head_injury"),
    ("Chest pain since 11 am, getting worse", "chest_pain"),
])
def test_reviewed_replies_keep_their_emergency(text: str, flag: str) -> None:
    assert flag in assess(text).emergencies


@pytest.mark.parametrize("text", [
    "Short of breath lying down, not good at all",
    "Me falta el aire acostada, no esta bien",
    "me falta el aire bien feo acostada",
    "The wound is bleeding heavily, not better",
    "Hit my head on the cabinet, no fall. I'm on Eliquis, otherwise fine.",
])
def test_not_good_or_otherwise_fine_does_not_clear_a_graver_word(text: str) -> None:
    assert assess(text).emergencies


def test_a_denied_blood_thinner_leaves_a_knock_without_a_fall_urgent() -> None:
    text = "Bumped my head on the cupboard, didn't fall. Not on blood thinners."
    (finding,) = assess(text).findings
    assert finding.severity == "urgent"


@pytest.mark.parametrize("text", [
    "Thank you for everything, goodbye!",
    "Gracias por todo, adiós",
    "you won't need to call me anymore, my daughter takes me to Texas. Thanks for everything",
])
def test_a_goodbye_that_many_say_innocently_is_a_possible_sign_a_nurse_asks_about(
        text: str) -> None:
    (finding,) = assess(text).findings
    assert (finding.flag, finding.tier) == ("self_harm", "possible")


def test_done_with_the_antibiotics_is_not_a_decision() -> None:
    assert assess("I am done with the antibiotics. Thanks for everything").findings == ()
