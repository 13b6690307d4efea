"""Writing a report's raw material row by row, with every time chosen by the test, so the
figures a report computes can be checked against ones worked out by hand."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from assistant.records.care_records import TcmRecord
from assistant.records.interfaces import Readmission
from assistant.records.models import (
    Alert,
    Answer,
    CheckIn,
    ContactAttempt,
    Conversation,
    Episode,
    Message,
    Patient,
)
from assistant.services import Services


class Rows:
    def __init__(self, services: Services, session: Session) -> None:
        self.services, self.session = services, session
        self.count = 0

    def discharge(self, flow: str, language: str, at: datetime, *,
                  tcm_deadline: datetime | None = None,
                  tcm_contact: datetime | None = None) -> Episode:
        self.count += 1
        patient = Patient(name=f"Patient {self.count}", dob=date(1950, 1, 1),
                          phone=f"+1201555{self.count:04d}", language=language,
                          time_zone="America/New_York", created_at=at)
        episode = Episode(patient=patient, discharged_at=at, flow_id=flow, created_at=at,
                          tcm_deadline=tcm_deadline)
        self.session.add(episode)
        if tcm_contact is not None:
            self.session.add(TcmRecord(episode=episode, first_contact_at=tcm_contact,
                                       first_contact_by="nora", updated_at=tcm_contact,
                                       updated_by="nora"))
        self.session.flush()
        return episode

    def checkin(self, episode: Episode, status: str, *, attempts: list[tuple[str, datetime]],
                ended_at: datetime | None = None, cancel_reason: str | None = None,
                failed: tuple[int, ...] = ()) -> CheckIn:
        """`attempts`: (channel, started) each; the channel of the last is the check-in's.
        `failed`: the positions of attempts that failed (a call not answered)."""
        flow = self.services.flows.get(episode.flow_id)
        version = self.services.versions.current(self.session, flow, episode.discharged_at)
        checkin = CheckIn(episode=episode, flow_version=version, label="day 2",
                          due_at=attempts[0][1] if attempts else episode.discharged_at,
                          channel=attempts[-1][0] if attempts else "sms", status=status,
                          attempt=len(attempts), ended_at=ended_at, cancel_reason=cancel_reason)
        self.session.add(checkin)
        for index, (channel, started) in enumerate(attempts):
            self.session.add(ContactAttempt(
                checkin=checkin, patient_id=episode.patient_id,
                kind="checkin" if index == 0 else "reminder", channel=channel,
                started_at=started, outcome="failed" if index in failed else "sent"))
        self.session.flush()
        return checkin

    def conversation(self, checkin: CheckIn, *, answered: tuple[str, ...] = (),
                     replies: tuple[tuple[str, datetime, bool], ...] = (),
                     texts_out: tuple[str, ...] = (), stopped_at: str | None = None
                     ) -> Conversation:
        """`replies`: (question asked, when, unclear) for each text the patient sent."""
        started = checkin.due_at
        conversation = Conversation(checkin=checkin, patient_id=checkin.episode.patient_id,
                                    state=checkin.status, started_at=started,
                                    last_activity_at=started, stopped_at=stopped_at)
        self.session.add(conversation)
        self.session.flush()
        for question_id in answered:
            conversation.answers.append(Answer(question_id=question_id, value=True, raw="yes",
                                               understood=True, created_at=started))
        for question_id, at, unclear in replies:
            self.session.add(Message(patient_id=conversation.patient_id, direction="in",
                                     conversation_id=conversation.id, body="hmm", status="received",
                                     created_at=at, question_id=question_id, unclear=unclear))
        for body in texts_out:
            self.session.add(Message(patient_id=conversation.patient_id, direction="out",
                                     conversation_id=conversation.id, channel="sms", body=body,
                                     status="sent", created_at=started))
        self.session.flush()
        return conversation

    def alert(self, episode: Episode, severity: str, reason: str, raised: datetime, *,
              acknowledged_after: timedelta | None = None, repaged: bool = False,
              escalated: bool = False, kind: str = "alert") -> Alert:
        acknowledged = raised + acknowledged_after if acknowledged_after is not None else None
        alert = Alert(patient_id=episode.patient_id, episode_id=episode.id, severity=severity,
                      reason=reason, summary=reason, status="acknowledged" if acknowledged
                      else "open", kind=kind, acknowledged_at=acknowledged,
                      renotified_at=raised + timedelta(minutes=1) if repaged else None,
                      escalated_at=raised + timedelta(minutes=2) if escalated else None,
                      created_at=raised, updated_at=raised)
        self.session.add(alert)
        self.session.flush()
        return alert

    def readmitted(self, episode: Episode, days: int) -> Readmission:
        row = Readmission(patient_id=episode.patient_id, index_episode_id=episode.id,
                          admitted_at=episode.discharged_at + timedelta(days=days, hours=1),
                          days_after_discharge=days, visit_number=f"V{episode.id}-{days}",
                          source="hl7", event="A01", recorded_at=episode.discharged_at)
        self.session.add(row)
        self.session.flush()
        return row

# The worked example. Now is Tuesday 24 November 2026, 15:00 UTC; the period is 1 September to
# 24 November:
# - E1 heart failure, English, 1 Sep: reached on the 1st attempt by SMS, first reply after 49 h,
#   TCM contact in time, readmitted on day 12; an urgent alert acknowledged in 30 min.
# - E2 heart failure, Spanish, 10 Sep: first check-in expired unanswered (two attempts),
#   reached on the 3rd attempt, first reply after 72 h; TCM contact late; an emergency alert
#   acknowledged in 10 min (deadline 5), paged again and escalated.
# - E3 COPD, English, 1 Oct: never reached (two attempts), stopped at `feeling` after one reply
#   that could not be read; no TCM contact; readmitted on day 20; a routine alert never
#   acknowledged.
# - E4 COPD, English, 5 Oct: a call unanswered, then a text: reached by fallback on the 2nd
#   attempt, first reply after 30 h; TCM in time; opted out on its second check-in; readmitted
#   on day 45 (beyond 30); an urgent alert acknowledged in 90 min.
# - E5 heart failure, English, 20 Nov: not reached yet; its TCM deadline is still ahead.
# - E6 heart failure, 1 Aug: outside the period, with an alert and texts that must not count.
WORKED_EXAMPLE_NOW = datetime(2026, 11, 24, 15, 0)


def seed_worked_example(services: Services) -> None:
    with services.sessions() as session:
        rows = Rows(services, session)
        e1 = rows.discharge("heart_failure", "en", datetime(2026, 9, 1, 14),
                            tcm_deadline=datetime(2026, 9, 4, 4),
                            tcm_contact=datetime(2026, 9, 2, 16))
        c = rows.checkin(e1, "completed", attempts=[("sms", datetime(2026, 9, 3, 14))],
                         ended_at=datetime(2026, 9, 3, 15, 30))
        rows.conversation(c, answered=("identity_dob", "feeling", "meds_taking:7",
                                       "meds_taking:8"),
                          replies=(("identity_dob", datetime(2026, 9, 3, 15), False),
                                   ("feeling", datetime(2026, 9, 3, 15, 5), False)),
                          texts_out=("x" * 170, "Hola"))
        rows.alert(e1, "urgent", "weight_gain", datetime(2026, 9, 3, 15, 10),
                   acknowledged_after=timedelta(minutes=30))
        rows.readmitted(e1, 12)

        e2 = rows.discharge("heart_failure", "es", datetime(2026, 9, 10, 12),
                            tcm_deadline=datetime(2026, 9, 12, 4),
                            tcm_contact=datetime(2026, 9, 14, 16))
        first = rows.checkin(e2, "expired", attempts=[("sms", datetime(2026, 9, 11, 14)),
                                                      ("sms", datetime(2026, 9, 11, 18))],
                             ended_at=datetime(2026, 9, 12, 14))
        rows.conversation(first, stopped_at="identity_dob", texts_out=("á" * 80,))
        second = rows.checkin(e2, "completed", attempts=[("sms", datetime(2026, 9, 13, 11))],
                              ended_at=datetime(2026, 9, 13, 13))
        rows.conversation(second, answered=("identity_dob", "feeling"),
                          replies=(("identity_dob", datetime(2026, 9, 13, 12), False),))
        rows.alert(e2, "emergency", "chest_pain", datetime(2026, 9, 13, 12, 30),
                   acknowledged_after=timedelta(minutes=10), repaged=True, escalated=True)
        rows.alert(e2, "urgent", "tcm_contact_due", datetime(2026, 9, 11), kind="task")

        e3 = rows.discharge("copd", "en", datetime(2026, 10, 1, 15),
                            tcm_deadline=datetime(2026, 10, 3, 4))
        c = rows.checkin(e3, "expired", attempts=[("sms", datetime(2026, 10, 2, 14)),
                                                  ("sms", datetime(2026, 10, 2, 18))],
                         ended_at=datetime(2026, 10, 3, 14))
        rows.conversation(c, answered=("identity_dob",), stopped_at="feeling",
                          replies=(("identity_dob", datetime(2026, 10, 2, 15), False),
                                   ("feeling", datetime(2026, 10, 2, 15, 5), True)))
        rows.alert(e3, "routine", "unclear_answer", datetime(2026, 10, 2, 16))
        rows.readmitted(e3, 20)

        e4 = rows.discharge("copd", "en", datetime(2026, 10, 5, 9),
                            tcm_deadline=datetime(2026, 10, 8, 4),
                            tcm_contact=datetime(2026, 10, 6, 12))
        c = rows.checkin(e4, "completed", attempts=[("voice", datetime(2026, 10, 6, 14)),
                                                    ("sms", datetime(2026, 10, 6, 14, 5))],
                         ended_at=datetime(2026, 10, 6, 16), failed=(0,))
        rows.conversation(c, answered=("identity_dob", "feeling"),
                          replies=(("identity_dob", datetime(2026, 10, 6, 15), False),))
        c = rows.checkin(e4, "opted_out", attempts=[("sms", datetime(2026, 10, 12, 14))],
                         ended_at=datetime(2026, 10, 12, 15))
        rows.conversation(c, stopped_at="feeling",
                          replies=(("feeling", datetime(2026, 10, 12, 15), False),))
        rows.alert(e4, "urgent", "weight_gain", datetime(2026, 10, 6, 15),
                   acknowledged_after=timedelta(minutes=90))
        rows.readmitted(e4, 45)

        rows.discharge("heart_failure", "en", datetime(2026, 11, 20, 12),
                       tcm_deadline=datetime(2026, 11, 25, 4))

        e6 = rows.discharge("heart_failure", "en", datetime(2026, 8, 1, 12),
                            tcm_deadline=datetime(2026, 8, 4, 4))
        c = rows.checkin(e6, "completed", attempts=[("sms", datetime(2026, 8, 2, 14))],
                         ended_at=datetime(2026, 8, 2, 16))
        rows.conversation(c, answered=("identity_dob",), texts_out=("y" * 200,),
                          replies=(("identity_dob", datetime(2026, 8, 2, 15), True),))
        rows.alert(e6, "emergency", "chest_pain", datetime(2026, 8, 2, 15))
        session.commit()
