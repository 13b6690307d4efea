"""Questions back to us, through the real dialogue by SMS: "who is this?", "what is this
about?", "what's lasix?" get a short answer and the same question again, instead of "Sorry,
I didn't understand"; nothing about health before identity; a clear answer stays an answer;
a patient who keeps asking falls back to the unclear path; the safety net still comes first."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from assistant.conversation.medicine_purposes import medicine_table
from assistant.conversation.questions_back import recognise
from assistant.intake.enrollment import enroll, validate_discharge
from assistant.outreach.dispatch import dispatch_due
from assistant.records.db import transaction
from assistant.records.models import Answer, Conversation
from assistant.services import Services
from carecall.cli import main
from carecall.simulator import SimulatedPhone
from tests.helpers import DOB, DOB_REPLY, alerts

# What must not be said before the date of birth matches: whoever holds the phone may not be
# the patient.
HEALTH_WORDS = ("hospital stay", "recovery", "furosemide", "lasix", "water pill", "medicine",
                "estancia", "medicamento", "recuper")
FEELING = "do you feel BETTER, the SAME, or WORSE?"
TAKING = "Are you taking Furosemide the way your doctor told you to?"


def start(services: Services, medicines: tuple[str, ...] = ("Furosemide",),
          lang: str = "en") -> None:
    """Enrol the sample patient with these new medicines and send the first check-in."""
    now = services.clock()
    discharge = validate_discharge(
        services.settings, services.flows, now=now, name="Alex Rivera", dob=DOB,
        phone="+12015550123", flow="general", lang=lang,
        discharged=(now - timedelta(days=2)).isoformat() + "+00:00",
        medication_rows=[{"name": name, "change": "new"} for name in medicines])
    with transaction(services.sessions) as session:
        episode = enroll(session, services, discharge, now)
        episode.checkins[0].due_at = now
    assert dispatch_due(services, "test-worker").sent


def to_medicines(phone: SimulatedPhone) -> list[str]:
    # The date of birth, feeling, chest pain, breathing, fever, keeping food down, picked up.
    for reply in (DOB_REPLY, "same", "no", "no", "no", "yes"):
        phone.text(reply)
    return phone.text("all of them")


def answer(services: Services, question_id: str) -> tuple[object, str]:
    with services.sessions() as session:
        found = session.scalars(select(Answer).where(Answer.question_id.like(
            f"{question_id}%"))).one()
        return found.value, found.raw


def conversation(services: Services) -> Conversation:
    with services.sessions() as session:
        return session.scalars(select(Conversation)).one()


def test_who_is_this_before_identity_names_only_the_care_team(services, phone) -> None:
    start(services)
    told = phone.text("who is this?")
    assert told[0] == "This is your care team at Riverside Hospital. You can call us at " \
                      "+12015550100."
    assert "date of birth" in told[1]
    assert not any(word in " ".join(told).lower() for word in HEALTH_WORDS)
    assert conversation(services).identity_failures == 0  # a question is not a wrong date
    assert FEELING in phone.text(DOB_REPLY)[0]


def test_what_is_this_about_before_identity_says_how_to_stop_and_check(services, phone) -> None:
    start(services)
    told = phone.text("what is this about?")
    assert "short check-in from your care team at Riverside Hospital" in told[0]
    assert "reply STOP" in told[0] and "call +12015550100" in told[0]
    assert not any(word in " ".join(told).lower() for word in HEALTH_WORDS)
    assert "date of birth" in told[1]


def test_a_medicine_asked_about_before_identity_waits(services, phone) -> None:
    start(services)
    told = phone.text("what's furosemide?")
    assert told[0].startswith("We can talk about that once you have confirmed your date of "
                              "birth")
    assert not any(word in " ".join(told).lower() for word in HEALTH_WORDS)


def test_after_identity_who_and_why_speak_of_the_stay_and_ask_again(services, phone) -> None:
    start(services)
    phone.text(DOB_REPLY)
    told = phone.text("who is this")
    assert told[0] == "This is your care team at Riverside Hospital, checking on you after " \
                      "your hospital stay. You can call us at +12015550100."
    assert FEELING in told[1]
    told = phone.text("why are you texting me")
    assert "after your hospital stay" in told[0] and "reply STOP" in told[0]
    assert FEELING in told[1]
    assert "chest pain" in phone.text("same")[0]
    assert answer(services, "feeling") == ("same", "same")
    assert conversation(services).clarifications == 0


def test_whats_lasix_while_asked_about_furosemide(services, phone) -> None:
    start(services)
    assert TAKING in to_medicines(phone)[0]
    told = phone.text("what's lasix?")
    assert told == [
        "Lasix (furosemide) is a water pill: it helps your body get rid of extra fluid, so "
        "there is less swelling and breathing is easier. For how to take it, ask your "
        "pharmacist or call +12015550100.",
        "Are you taking Furosemide the way your doctor told you to? Reply YES or NO.",
    ]
    told = phone.text("what is that?")  # "that" is the medicine being asked about
    assert told[0].startswith("Furosemide is a water pill")
    phone.text("yes")
    assert answer(services, "meds_taking") == (True, "yes")


def test_a_medicine_not_in_the_table_goes_to_the_pharmacist(services, phone) -> None:
    start(services, medicines=("Zyntrolimab",))
    to_medicines(phone)
    told = phone.text("what is zyntrolimab?")
    assert told[0] == "Your pharmacist or +12015550100 can tell you what Zyntrolimab is for."
    assert "Are you taking Zyntrolimab" in told[1]


def test_a_clear_answer_with_a_question_in_it_is_still_the_answer(services, phone) -> None:
    start(services)
    phone.text(DOB_REPLY)
    phone.text("same")
    phone.text("no")
    phone.text("no")
    told = phone.text("yes why")  # to "fever or chills today?"
    assert "temperature" in told[0]
    assert answer(services, "fever") == (True, "yes why")
    phone.text("skip")
    phone.text("yes")
    phone.text("all of them")
    phone.text("no, I take my lasix")
    assert answer(services, "meds_taking") == (False, "no, I take my lasix")


def test_a_dose_is_never_answered(services, phone) -> None:
    start(services)
    to_medicines(phone)
    told = phone.text("how much lasix should I take?")
    assert told == ["Sorry, I didn't understand. Please reply YES or NO."]


def test_in_spanish(services, phone) -> None:
    start(services, medicines=("Metformina",), lang="es")
    told = phone.text("¿quién habla?")
    assert told[0] == "Le escribe su equipo de atención de Riverside Hospital. Puede " \
                      "llamarnos al +12015550100."
    assert "fecha de nacimiento" in told[1]
    phone.text("14/03/1950")
    told = phone.text("¿de qué se trata?")
    assert "después de su estancia en el hospital" in told[0] and "PARAR" in told[0]
    assert "¿se siente MEJOR, IGUAL o PEOR?" in told[1]
    for reply in ("igual", "no", "no", "no", "sí", "todas"):
        told = phone.text(reply)
    assert "¿Está tomando Metformina" in told[0]
    told = phone.text("para que es la metformina")
    assert told[0].startswith("Metformina es un medicamento para la diabetes: ayuda a bajar "
                              "el azúcar en la sangre.")
    assert "¿Está tomando Metformina" in told[1]


def test_in_spanish_a_brand_is_named_with_the_spanish_generic(services, phone) -> None:
    start(services, medicines=("Furosemida",), lang="es")
    phone.text("14/03/1950")
    for reply in ("igual", "no", "no", "no", "sí", "todas"):
        phone.text(reply)
    told = phone.text("q es el lasix")  # texting shorthand for "qué es"
    assert told[0].startswith("Lasix (furosemida) es una pastilla para orinar")
    assert "¿Está tomando Furosemida" in told[1]


# Ways of asking, written for this test (not the corpus sentences): shorthand, no "?", a
# question in yes/no word order, where our number came from.
@pytest.mark.parametrize(("text", "medicine", "expected"), [
    ("who gave u my number", None, ("who", "")),
    ("is this nurse amy from the clinic", None, ("who", "")),
    ("k es esto", None, ("why", "")),
    ("pq me escriben", None, ("why", "")),
    ("what is the reason for these texts", None, ("why", "")),
    ("is metformin for diabetes", None, ("medicine", "metformin")),
    ("lipitor is that for cholesterol", None, ("medicine", "atorvastatin")),
    ("remind me what plavix does", None, ("medicine", "clopidogrel")),
    ("para que es la pastilla esa", "Lisinopril", ("medicine", "lisinopril")),
    ("what does the humalog do", None, ("medicine", "insulin lispro")),
])
def test_ways_of_asking(text: str, medicine: str | None, expected: tuple[str, str]) -> None:
    back = recognise(text, medicine)
    assert back is not None and (back.kind, back.about if back.kind == "medicine" else "") \
        == expected


@pytest.mark.parametrize("text", [
    "is that from my new pills",  # a symptom's cause, not who we are
    "whats the point of all this",  # hopelessness, not a question about us
    "no fui porque me sentia mal",  # "porque" is "because"
    "dice q quiere irse a su casa",
    "is eliquis making me bruise",  # a side effect: the pharmacist's
    "is it ok to skip lasix today",
])
def test_what_is_not_a_question_back(text: str) -> None:
    assert recognise(text, "Metoprolol") is None


def test_a_patient_who_keeps_asking_gets_the_usual_re_ask_on_the_third(services, phone) -> None:
    start(services)
    phone.text(DOB_REPLY)
    assert phone.text("who is this?")[0].startswith("This is your care team")
    assert phone.text("what is this about?")[0].startswith("This is a short check-in")
    told = phone.text("who is this?")
    assert told[0].startswith("Sorry, I didn't understand.")
    assert conversation(services).clarifications == 1
    # The next question starts afresh.
    phone.text("same")
    assert phone.text("who are you?")[0].startswith("This is your care team")


def test_chest_pain_inside_a_question_is_still_the_safety_nets(services, phone) -> None:
    start(services)
    phone.text(DOB_REPLY)
    told = phone.text("who is this? I have chest pain")
    assert told[0].startswith("Please call 911 now.")
    assert ("emergency", "chest_pain") in alerts(services)


def test_a_possible_sign_in_a_question_is_checked_not_answered(services, phone) -> None:
    start(services)
    phone.text(DOB_REPLY)
    told = phone.text("what is this chest pain?")
    assert "If you have chest pain or pressure now" in told[0]
    assert not any(text.startswith("This is") for text in told)
    assert ("urgent", "chest_pain") in alerts(services)
    # A question about us that names the sign is checked, not answered, all the same.
    told = phone.text("is this about my chest pain?")
    assert "If you have chest pain or pressure now" in told[0]
    assert not any(text.startswith("This is") for text in told)


def test_on_a_call_the_patient_is_told_to_say_stop(tmp_path) -> None:
    script = tmp_path / "script.yaml"
    script.write_text("identity: false\nreplies: ['what is this about', '03/14/1950']\n")
    result = CliRunner().invoke(main, ["converse", "--flow", "general", "--script", str(script),
                                       "--channel", "voice"])
    assert result.exit_code == 0, result.output
    assert "If you do not want these calls, say stop. To check it is really us, call " \
           "+12015550100." in result.output
    assert "reply STOP" not in result.output


def test_every_medicine_purpose_is_plain_bilingual_waits_for_review_and_has_no_dose() -> None:
    table = medicine_table()
    assert len(table.medicines) >= 40
    for medicine in table.medicines.values():
        assert medicine.reviewed_by  # a name and date once the clinical lead has read it
        for language in ("en", "es"):
            purpose = medicine.purposes[language]
            assert not any(character.isdigit() for character in purpose), medicine.generic
            assert len(purpose) <= 160, medicine.generic
    assert table.find("whats lasix")[0].medicine.generic == "furosemide"
    assert table.find("metforman?")[0].medicine.generic == "metformin"  # misspelt
    assert table.find("what is insulting") == []  # close to insulin, but a word
    # The kinds of insulin are told apart; "insulin glargine" is not plain insulin.
    assert [n.medicine.generic for n in table.find("el lantus es la insulina")] == [
        "insulin glargine", "insulin"]
    assert table.lookup("Insulin glargine U-100").generic == "insulin glargine"
