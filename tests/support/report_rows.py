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
