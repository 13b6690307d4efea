"""The safety net and keywords work at any point of a conversation, and outside one."""

from __future__ import annotations

from sqlalchemy import select

from assistant.outreach.dispatch import dispatch_due
from assistant.records.models import Alert, Answer, CheckIn, Patient
from tests.helpers import DOB_REPLY, alerts, checkin_status, start_checkin


def test_a_red_flag_in_any_answer_interrupts_with_911_first(services, phone) -> None:
    checkin_id = start_checkin(services)
    phone.text(DOB_REPLY)
    answer = phone.text("worse, and I passed out this morning")
    assert answer[0].startswith("Please call 911 now")
    assert len(answer) == 1
    assert checkin_status(services, checkin_id) == "handed_over"
    assert alerts(services) == [("emergency", "fainting"), ("urgent", "feeling_worse")]
    with services.sessions() as session:
        kept = session.scalar(select(Answer).where(Answer.question_id == "feeling"))
    assert kept is not None and kept.value == "worse"  # the answer is not lost


def test_a_red_flag_before_identity_is_confirmed_still_gets_911(services, phone) -> None:
    checkin_id = start_checkin(services)
    answer = phone.text("I can't breathe")
    assert answer[0].startswith("Please call 911 now")
    assert checkin_status(services, checkin_id) == "handed_over"
    assert alerts(services) == [("emergency", "breathing")]


def test_saying_yes_with_the_symptom_raises_one_alert_not_two(services, phone) -> None:
    start_checkin(services)
    phone.text(DOB_REPLY)
    phone.text("same")
    answer = phone.text("yes, my chest hurts")
    assert answer == [answer[0]] and "911" in answer[0]
    assert alerts(services) == [("emergency", "chest_pain")]
    with services.sessions() as session:
        alert = session.scalars(select(Alert).where(Alert.kind == "alert")).one()
    # The red flag and the rule saw the same message: one piece of evidence, not two.
    assert len(alert.evidence) == 1 and alert.evidence[0]["raw"] == "yes, my chest hurts"


def test_thoughts_of_self_harm_get_988(services, phone) -> None:
    start_checkin(services)
    phone.text(DOB_REPLY)
    answer = phone.text("I don't want to live anymore")
    assert "988" in answer[0]
    assert alerts(services) == [("emergency", "self_harm")]


def test_a_negated_sign_is_just_an_answer(services, phone) -> None:
    start_checkin(services)
    phone.text(DOB_REPLY)
    phone.text("better")
    answer = phone.text("no chest pain")
    assert "short of breath" in answer[0]
    assert alerts(services) == []


def test_a_red_flag_after_the_checkin_ended_is_still_caught(services, phone) -> None:
    start_checkin(services)
    phone.text("STOP")
    answer = phone.text("my chest hurts really bad")
    assert answer[0].startswith("Please call 911 now")
    assert ("emergency", "chest_pain") in alerts(services)


def test_an_unknown_number_reporting_an_emergency_is_told_911(phone) -> None:
    assert phone.text("help I can't breathe")[0].startswith("Please call 911 now")


def test_help_answers_and_keeps_the_question_open(services, phone) -> None:
    start_checkin(services)
    phone.text(DOB_REPLY)
    answer = phone.text("HELP")
    assert "Riverside Hospital" in answer[0] and "+12015550100" in answer[0]
    assert "feel BETTER" in answer[1]
    assert "chest pain" in phone.text("better")[0]


def test_asking_for_a_nurse_hands_over_with_an_alert(services, phone) -> None:
    checkin_id = start_checkin(services)
    phone.text(DOB_REPLY)
    answer = phone.text("can a nurse call me please")
    assert "nurse from Riverside Hospital will call you today" in answer[0]
    assert checkin_status(services, checkin_id) == "handed_over"
    assert alerts(services) == [("urgent", "asked_for_person")]


def test_spanish_stop_opts_out_and_start_restores_future_checkins(services, phone,
                                                                   clock) -> None:
    checkin_id = start_checkin(services)
    assert "no more check-in messages" in phone.text("Cancelar")[0]
    with services.sessions() as session:
        later = session.scalars(select(CheckIn).where(CheckIn.id != checkin_id)).all()
        assert {c.status for c in later} == {"cancelled"}
    assert "again" in phone.text("START")[0]
    with services.sessions() as session:
        later = session.scalars(select(CheckIn).where(CheckIn.id != checkin_id)).all()
        assert {c.status for c in later} == {"scheduled"}
    clock.advance(days=5)
    assert len(dispatch_due(services, "w1").sent) == 1


def test_stop_between_checkins_cancels_the_rest(services, phone) -> None:
    checkin_id = start_checkin(services)
    phone.text(DOB_REPLY)
    phone.text("STOP")
    assert checkin_status(services, checkin_id) == "opted_out"
    assert "no more check-in messages" in phone.text("stop")[0]
    assert alerts(services) == [("routine", "opted_out")]


def test_a_milder_sign_gets_what_to_do_and_a_nurse_today_then_the_next_question(
        services, phone) -> None:
    start_checkin(services)
    phone.text(DOB_REPLY)
    answer = phone.text("same, a little winded walking to the bathroom")
    assert answer[0].startswith("If you have trouble breathing now, or it gets worse, call 911")
    assert "will call you today" in answer[0]
    assert "chest pain" in answer[-1]  # the check-in goes on with the next question
    assert ("urgent", "breathing") in alerts(services)


def test_a_sign_already_sent_to_a_nurse_is_not_raised_again_as_an_unread_reply(
        services, phone) -> None:
    start_checkin(services)
    phone.text(DOB_REPLY)
    answer = phone.text("is it normal that my chest hurts?")  # not an answer to "better?"
    assert answer[0].startswith("If you have chest pain or pressure now")
    assert not any("couldn't be sure" in reply for reply in answer)
    assert ("urgent", "symptom_words") not in alerts(services)
    assert ("urgent", "chest_pain") in alerts(services)


def test_a_sign_asked_about_as_a_question_is_checked_by_a_nurse_not_ignored(
        services, phone) -> None:
    start_checkin(services)
    phone.text(DOB_REPLY)
    answer = phone.text("is it normal that my chest hurts?")
    assert answer[0].startswith("If you have chest pain or pressure now")
    with services.sessions() as session:
        alert = session.scalars(select(Alert).where(Alert.reason == "chest_pain")).one()
    assert alert.severity == "urgent" and alert.summary.endswith("(possible)")
    assert alert.evidence[0]["raw"] == "is it normal that my chest hurts?"


def test_a_caregiver_describing_the_patient_gets_911(services, phone) -> None:
    start_checkin(services)
    phone.text(DOB_REPLY)
    answer = phone.text("this is his daughter, dad is talking nonsense and wont wake up properly")
    assert answer == [answer[0]] and answer[0].startswith("Please call 911 now")
    assert alerts(services) == [("emergency", "confusion")]


def test_a_relative_s_old_stroke_is_just_an_answer(services, phone) -> None:
    start_checkin(services)
    phone.text(DOB_REPLY)
    answer = phone.text("better. my brother had a stroke back in 2010 so I worry")
    assert "chest pain" in answer[-1]
    assert alerts(services) == []


def test_passive_thoughts_of_dying_in_spanish_get_988(services, phone) -> None:
    start_checkin(services)
    with services.sessions() as session, session.begin():
        session.scalars(select(Patient)).one().language = "es"
    phone.text(DOB_REPLY)
    answer = phone.text("ojalá me duerma y no despierte")
    assert "988" in answer[0]
    assert alerts(services) == [("emergency", "self_harm")]


def test_asking_in_plain_words_not_to_be_contacted_opts_out_with_the_confirmation(
        services, phone) -> None:
    checkin_id = start_checkin(services)
    answer = phone.text("please stop calling me, I'm fine")
    assert answer[0].startswith("You will get no more check-in messages")
    assert checkin_status(services, checkin_id) == "opted_out"


def test_no_me_llamen_mas_opts_out_too(services, phone) -> None:
    checkin_id = start_checkin(services)
    phone.text("ya no me llamen más por favor")
    assert checkin_status(services, checkin_id) == "opted_out"


def test_a_symptom_with_stop_in_it_is_not_an_opt_out(services, phone) -> None:
    checkin_id = start_checkin(services)
    phone.text(DOB_REPLY)
    phone.text("I can't stop coughing")
    assert checkin_status(services, checkin_id) != "opted_out"


def test_a_reply_about_the_body_that_cannot_be_read_is_shown_to_a_nurse(services, phone) -> None:
    start_checkin(services)
    phone.text(DOB_REPLY)
    answer = phone.text("my chest feels kinda weird idk")
    assert "a nurse" in answer[0] and "feel BETTER" in answer[-1]
    with services.sessions() as session:
        alert = session.scalars(select(Alert).where(Alert.reason == "symptom_words")).one()
    assert alert.severity == "urgent" and "chest" in alert.summary
    assert alert.evidence[0]["raw"] == "my chest feels kinda weird idk"


def test_a_possible_sign_in_a_reply_that_is_no_answer_costs_two_texts_not_three(
        services, phone) -> None:
    start_checkin(services)
    phone.text(DOB_REPLY)
    answer = phone.text("is it normal that my chest hurts?")  # asked "better, same or worse?"
    assert answer[0].startswith("If you have chest pain or pressure now")
    assert len(answer) == 2 and "BETTER" in answer[1]
    assert not any("didn't understand" in text for text in answer)
