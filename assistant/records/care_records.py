"""What the care team adds around a discharge: notes, caregivers, the human TCM contact and
the clinical sign-off of a flow before it is published."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assistant.records.models import Base, Episode, Patient

CAREGIVER_SOURCES = ("enrolment", "api", "hl7", "dashboard")
TCM_OUTCOMES = ("reached", "voicemail", "no_answer", "wrong_number")
MEDICATION_REVIEWERS = ("nurse", "pharmacist", "physician")
PROPOSAL_STATUSES = ("pending", "published", "withdrawn", "superseded")


class CareNote(Base):
    """A note by the care team on a patient (or one of the patient's stays)."""

    __tablename__ = "care_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    episode_id: Mapped[int | None] = mapped_column(ForeignKey("episode.id"))
    author: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Caregiver(Base):
    """Someone close to the patient. `consent`: the patient agreed that this person may hear
    about their health; only then may they answer check-ins (`is_proxy`) or be called."""

    __tablename__ = "caregiver"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    relationship_to_patient: Mapped[str] = mapped_column(String(64))  # daughter, husband, ...
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    language: Mapped[str] = mapped_column(String(8), default="en")
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    # Answers the check-ins on the patient's behalf (the patient cannot, or prefers not to).
    is_proxy: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(16), default="enrolment")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)

    patient: Mapped[Patient] = relationship()

    @property
    def can_answer(self) -> bool:
        """May answer check-ins for the patient now: checked at every message, so a nurse who
        removes a caregiver (or a patient who withdraws consent) cuts them off mid check-in."""
        return bool(self.active and self.consent and self.is_proxy and self.phone)


class TcmRecord(Base):
    """The human part of transitional care for one discharge (CMS TCM, CPT 99495/99496):
    the first interactive contact, the face-to-face visit and the medication review. The
    automated check-in is never this contact."""

    __tablename__ = "tcm_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id"), unique=True)
    first_contact_at: Mapped[datetime | None] = mapped_column(DateTime)
    first_contact_by: Mapped[str | None] = mapped_column(String(100))
    face_to_face_on: Mapped[date | None] = mapped_column(Date)
    medication_review_on: Mapped[date | None] = mapped_column(Date)
    medication_review_by: Mapped[str | None] = mapped_column(String(200))
    medication_reviewer_role: Mapped[str | None] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    updated_by: Mapped[str] = mapped_column(String(100))

    episode: Mapped[Episode] = relationship()


class TcmContactAttempt(Base):
    """A nurse's try at the interactive contact, with its outcome."""

    __tablename__ = "tcm_contact_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    outcome: Mapped[str] = mapped_column(String(16))  # one of TCM_OUTCOMES
    by_user: Mapped[str] = mapped_column(String(100))
    # Whom the nurse spoke to: the patient, or a caregiver by name.
    spoke_with: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)


class FlowProposal(Base):
    """A flow an admin wants published. It goes live only when a second admin signs it off
    clinically; both names stay on the version and in the audit log."""

    __tablename__ = "flow_proposal"

    id: Mapped[int] = mapped_column(primary_key=True)
    flow_id: Mapped[str] = mapped_column(String(64), index=True)
    source_text: Mapped[str] = mapped_column(Text)
    checksum: Mapped[str] = mapped_column(String(64))
    proposed_by: Mapped[str] = mapped_column(String(100))
    proposed_at: Mapped[datetime] = mapped_column(DateTime)
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    flow_version_id: Mapped[int | None] = mapped_column(ForeignKey("flow_version.id"))
