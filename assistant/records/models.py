"""The data model: what Carecall knows about patients, their stays, check-ins and alerts.

Times are stored as naive UTC (`utc_now()`), the one form SQLite and PostgreSQL both keep
faithfully; patients' local times are computed from their time zone when needed.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

if TYPE_CHECKING:  # defined beside the care team's other records, which build on these
    from assistant.records.care_records import Caregiver


class Base(DeclarativeBase):
    type_annotation_map: ClassVar = {dict[str, Any]: JSON, list[Any]: JSON}


class Patient(Base):
    __tablename__ = "patient"
    # The hospital's medical record number is unique within the authority that assigned it.
    __table_args__ = (UniqueConstraint("mrn_authority", "mrn", name="uq_patient_mrn"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mrn: Mapped[str | None] = mapped_column(String(64))
    mrn_authority: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    dob: Mapped[date] = mapped_column(Date)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    language: Mapped[str] = mapped_column(String(8), default="en")
    time_zone: Mapped[str] = mapped_column(String(64))
    contact_start_hour: Mapped[int] = mapped_column(Integer, default=8)
    contact_end_hour: Mapped[int] = mapped_column(Integer, default=21)
    preferred_channel: Mapped[str] = mapped_column(String(8), default="sms")
    opted_out_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)

    episodes: Mapped[list[Episode]] = relationship(back_populates="patient")

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.strip() else ""


class Episode(Base):
    """One hospital stay, from discharge until its follow-up ends."""

    __tablename__ = "episode"
    __table_args__ = (UniqueConstraint("patient_id", "visit_number", name="uq_episode_visit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    visit_number: Mapped[str | None] = mapped_column(String(64))  # the hospital's encounter
    disposition: Mapped[str | None] = mapped_column(String(32))  # home, home_health, ...
    next_of_kin: Mapped[list[Any] | None] = mapped_column(JSON)  # for the caregiver feature
    discharged_at: Mapped[datetime] = mapped_column(DateTime)
    facility: Mapped[str | None] = mapped_column(String(200))
    diagnoses: Mapped[list[Any]] = mapped_column(default=list)
    flow_id: Mapped[str] = mapped_column(String(64))
    baseline: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The patient's PCP and pharmacy: {"pcp": {"name", "phone"}, "pharmacy": {...}}.
    care_contacts: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Medicare TCM: an interactive human contact is due by the end of the second business day.
    # Indexed: every worker tick looks for deadlines coming up, among all episodes ever.
    tcm_deadline: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)

    patient: Mapped[Patient] = relationship(back_populates="episodes")
    medications: Mapped[list[Medication]] = relationship(
        back_populates="episode", order_by="Medication.id"
    )
    appointments: Mapped[list[Appointment]] = relationship(
        back_populates="episode", order_by="Appointment.starts_at"
    )
    checkins: Mapped[list[CheckIn]] = relationship(
        back_populates="episode", order_by="CheckIn.due_at"
    )


class Medication(Base):
    __tablename__ = "medication"

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    dose: Mapped[str | None] = mapped_column(String(200))
    instructions: Mapped[str | None] = mapped_column(Text)
    # new | changed | stopped | held | unchanged: the questions are generated from this tag.
    change: Mapped[str] = mapped_column(String(16))
    high_risk: Mapped[bool] = mapped_column(Boolean, default=False)

    episode: Mapped[Episode] = relationship(back_populates="medications")


class Appointment(Base):
    __tablename__ = "appointment"

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(DateTime)
    description: Mapped[str | None] = mapped_column(String(200))
    clinician: Mapped[str | None] = mapped_column(String(200))  # "Dr. Lee"
    location: Mapped[str | None] = mapped_column(String(200))
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime)  # the day-before reminder

    episode: Mapped[Episode] = relationship(back_populates="appointments")


class FlowVersion(Base):
    """An immutable published flow; a conversation keeps the version it started on."""

    __tablename__ = "flow_version"
    __table_args__ = (UniqueConstraint("flow_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    flow_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    checksum: Mapped[str] = mapped_column(String(64))
    definition: Mapped[dict[str, Any]] = mapped_column()
    published_at: Mapped[datetime] = mapped_column(DateTime)
    # "file": from flows/ in the repository; "editor": published by an admin in the app, which
    # stays in force until a file version is deliberately published again.
    origin: Mapped[str] = mapped_column(String(8), default="file")
    source_text: Mapped[str | None] = mapped_column(Text)  # the YAML as the admin wrote it
    published_by: Mapped[str | None] = mapped_column(String(100))


# Ids are INTEGER columns: 32-bit signed on PostgreSQL (SQLite takes more, but the bound is
# the smaller one). A larger id in a URL is "not found", never a database error.
MAX_ROW_ID = 2**31 - 1
CHECKIN_STATUSES = ("scheduled", "claimed", "sent", "in_progress", "completed", "handed_over",
                    "opted_out", "expired", "cancelled", "unreachable")
ALERT_STATUSES = ("open", "acknowledged", "resolved")


class CheckIn(Base):
    """One planned contact. Status: scheduled → claimed → sent → in_progress →
    completed | handed_over | opted_out | expired | unreachable | cancelled."""

    __tablename__ = "checkin"
    __table_args__ = (Index("ix_checkin_status_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id"), index=True)
    flow_version_id: Mapped[int] = mapped_column(ForeignKey("flow_version.id"))
    label: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[datetime] = mapped_column(DateTime)
    channel: Mapped[str] = mapped_column(String(8), default="sms")
    # Where to turn when the channel fails (a voice check-in falls back to SMS).
    fallback_channel: Mapped[str | None] = mapped_column(String(8))
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    # Why a check-in was cancelled (opted_out, readmitted, manual), so it can be undone.
    cancel_reason: Mapped[str | None] = mapped_column(String(32))

    episode: Mapped[Episode] = relationship(back_populates="checkins")
    flow_version: Mapped[FlowVersion] = relationship()
    attempts: Mapped[list[ContactAttempt]] = relationship(
        back_populates="checkin", order_by="ContactAttempt.id")
    conversation: Mapped[Conversation | None] = relationship(back_populates="checkin")


class ContactAttempt(Base):
    """Every time we reach out (first message, reminder), with its outcome: TCM wants two
    documented attempts, and the contact limits count them."""

    __tablename__ = "contact_attempt"
    __table_args__ = (Index("ix_contact_attempt_patient_started", "patient_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("checkin.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"))
    kind: Mapped[str] = mapped_column(String(16))  # checkin | reminder
    channel: Mapped[str] = mapped_column(String(8))
    started_at: Mapped[datetime] = mapped_column(DateTime)
    # sent | failed | retry | unknown (then delivered / undelivered from status callbacks)
    outcome: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str | None] = mapped_column(Text)

    checkin: Mapped[CheckIn] = relationship(back_populates="attempts")


class Conversation(Base):
    """The dialogue state of one check-in, saved after every turn."""

    __tablename__ = "conversation"

    id: Mapped[int] = mapped_column(primary_key=True)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("checkin.id"), unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    # The state chart's current state id: a question id or an end state.
    state: Mapped[str | None] = mapped_column(String(64))
    clarifications: Mapped[int] = mapped_column(Integer, default=0)
    # Which medicine a question asked once per medicine is at.
    item_index: Mapped[int] = mapped_column(Integer, default=0)
    # On a call, an answer read back and waiting for the patient's "yes, that's right".
    pending: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    identity_failures: Mapped[int] = mapped_column(Integer, default=0)
    # Questions back to us on the question now asked: {"question": answer key, "count": n}.
    questions_back: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # A caregiver answering on the patient's behalf (None: the patient).
    respondent_id: Mapped[int | None] = mapped_column(ForeignKey("caregiver.id"), index=True)
    # The question it stopped on when it expired or the patient opted out (the drop-out).
    stopped_at: Mapped[str | None] = mapped_column(String(64))
    # Outbound messages so far, counted by the database on insert (migration 0020's trigger):
    # the loop guard reads it instead of counting. Never set here.
    replies_sent: Mapped[int] = mapped_column(Integer, server_default="0")
    started_at: Mapped[datetime] = mapped_column(DateTime)
    last_activity_at: Mapped[datetime] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)

    checkin: Mapped[CheckIn] = relationship(back_populates="conversation")
    patient: Mapped[Patient] = relationship()
    respondent: Mapped[Caregiver | None] = relationship()
    answers: Mapped[list[Answer]] = relationship(
        back_populates="conversation", order_by="Answer.id"
    )


class Message(Base):
    """Every SMS or voice turn, in and out. A provider SID is unique, so a webhook delivered
    twice is recognised and answered with the replies it already got."""

    __tablename__ = "message"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patient.id"), index=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversation.id"), index=True)
    direction: Mapped[str] = mapped_column(String(3))  # "in" | "out"
    channel: Mapped[str] = mapped_column(String(8), default="sms")
    from_number: Mapped[str | None] = mapped_column(String(40))
    to_number: Mapped[str | None] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)
    provider_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    # out: pending → sent | failed | unknown; in: received | error
    status: Mapped[str] = mapped_column(String(16), index=True)
    reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("message.id"), index=True)
    # For a voice turn: the TwiML answered, so a repeated webhook gets exactly the same.
    twiml: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # An unsettled outbound message belongs to the process sending it until `held_until`;
    # the sender renews the hold before each send, and only an expired hold is reconciled.
    held_by: Mapped[str | None] = mapped_column(String(120), index=True)
    held_until: Mapped[datetime | None] = mapped_column(DateTime)
    # An inbound text whose fields had to be cleaned to be stored (a NUL, an oversized
    # field): the fields as received, escaped as JSON, so nothing the patient sent is lost.
    raw: Mapped[str | None] = mapped_column(Text)
    # For reports. In: the question it answered and whether it was read (`unclear`: asked
    # again); out by SMS: the segments billed.
    question_id: Mapped[str | None] = mapped_column(String(64))
    unclear: Mapped[bool | None] = mapped_column(Boolean)
    segments: Mapped[int | None] = mapped_column(Integer)


class Answer(Base):
    """The interpreted value of one question, with the patient's own words beside it."""

    __tablename__ = "answer"
    __table_args__ = (UniqueConstraint("conversation_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id"))
    question_id: Mapped[str] = mapped_column(String(64))
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    unit: Mapped[str | None] = mapped_column(String(16))
    # The value is a difference the patient gave ("up 2 pounds"), not a reading.
    is_change: Mapped[bool] = mapped_column(Boolean, default=False)
    raw: Mapped[str] = mapped_column(Text)
    understood: Mapped[bool] = mapped_column(Boolean)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("message.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)

    conversation: Mapped[Conversation] = relationship(back_populates="answers")


class Alert(Base):
    """A warning sign for a coordinator; one open alert per episode and reason."""

    __tablename__ = "alert"
    __table_args__ = (Index("ix_alert_status_severity", "status", "severity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id"), index=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversation.id"))
    severity: Mapped[str] = mapped_column(String(16))  # emergency | urgent | routine
    reason: Mapped[str] = mapped_column(String(64))
    question_id: Mapped[str | None] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(Text)
    evidence: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(16), default="open")
    assignee: Mapped[str | None] = mapped_column(String(100))
    # "alert": a warning sign or a need; "task": something to do by `due_at`, such as the
    # TCM interactive contact.
    kind: Mapped[str] = mapped_column(String(8), default="alert")
    due_at: Mapped[datetime | None] = mapped_column(DateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
    # reached_by_phone | sent_to_emergency_care | appointment_made | no_action_needed | other
    resolution: Mapped[str | None] = mapped_column(String(32))
    resolution_note: Mapped[str | None] = mapped_column(Text)
    # Notification state, so deadlines survive a worker restart.
    notified_at: Mapped[datetime | None] = mapped_column(DateTime)
    notified_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    renotified_at: Mapped[datetime | None] = mapped_column(DateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime)
    # When a routine alert went out in the daily digest.
    digested_at: Mapped[datetime | None] = mapped_column(DateTime)

    events: Mapped[list[AlertEvent]] = relationship(back_populates="alert",
                                                    order_by="AlertEvent.id")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)

    patient: Mapped[Patient] = relationship()


class AlertEvent(Base):
    """Every change to an alert: what happened, who did it, when."""

    __tablename__ = "alert_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id"), index=True)
    # raised | evidence_added | notified | renotified | escalated | acknowledged | assigned |
    # resolved
    action: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(100))
    detail: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime)

    alert: Mapped[Alert] = relationship(back_populates="events")


class User(Base):
    """A coordinator or admin: who is notified, when they are on call, who backs them up."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))  # coordinator | admin
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    email: Mapped[str | None] = mapped_column(String(200))
    # Like "Mon-Fri 08:00-17:00", in the default time zone; "always" for round the clock.
    on_call: Mapped[str] = mapped_column(String(64), default="always")
    backup_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # Sign-in: a salted hash, never the password; repeated failures lock the account a while.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    # Part of every session's id: raising it (sign-out, a new password, deactivation) ends
    # every session of this user, wherever its cookie is.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    backup: Mapped[User | None] = relationship(remote_side="User.id")


class AuditEvent(Base):
    """Who saw or changed what, when. Append-only: the database refuses updates and deletes."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32))  # viewed | changed | created | ...
    subject: Mapped[str] = mapped_column(String(32))  # patient | alert | user | flow
    subject_id: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(Text)
