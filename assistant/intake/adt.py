"""HL7 v2 ADT messages from the hospital: what each event does, and the ACK it earns.

ACKs follow the standard's original mode: AA once the message and its effect are committed;
AE for a message we could not process (it is stored with the reason, for a person to look at,
and a resend is tried again); AR for one we refuse (not HL7, not ADT, a version we do not
read, no control id). Every message is stored as received with what became of it, and one
whose control id (MSH-10) was already accepted or refused is acknowledged the same way again
without being applied twice.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

import hl7
from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.intake.cancellation import cancel_episodes
from assistant.intake.care_contacts import MAX_DIAGNOSES, dialable, leading_code
from assistant.intake.caregiver_intake import HL7, Origin, record_caregivers, usable
from assistant.intake.flow_choice import FlowTable
from assistant.intake.hl7_fields import FOLLOWED_UP, AdtFields, read_adt, value
from assistant.intake.readmissions import (
    adt_admission_time,
    record_readmission,
    stay_admission,
    stop_follow_up,
)
from assistant.intake.stays import record_stay
from assistant.intake.validation import (
    IDENTIFIER,
    EnrollmentError,
    phone_number,
    validate_discharge,
)
from assistant.records.db import DATABASE_AWAY, transaction
from assistant.records.interfaces import Hl7Message, Readmission
from assistant.records.models import Episode, Patient

if TYPE_CHECKING:
    from assistant.services import Services

log = logging.getLogger(__name__)
VERSIONS = ("2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6", "2.7", "2.7.1", "2.8", "2.8.1",
            "2.8.2")
IGNORED_EVENTS = ("A02", "A06", "A07")  # transfers and class changes: nothing to do
COLUMN_LIMITS = {"sending_application": 120, "sending_facility": 120, "control_id": 64,
                 "message_type": 32, "version": 16}


@dataclass(frozen=True)
class Outcome:
    ack_code: str  # AA | AE | AR
    outcome: str  # applied | unchanged | ignored | refused | failed
    detail: str
    episode_id: int | None = None
    stay: str = ""  # for a discharge: created | updated | unchanged


def receive_adt(services: Services, raw: str, table: FlowTable) -> tuple[Outcome, str]:
    """Process one message (its text, without MLLP framing); returns the outcome and the
    ACK to send back."""
    text = raw.strip().replace("\r\n", "\r").replace("\n", "\r")
    try:
        message = hl7.parse(text)
        message.segment("MSH")
    except Exception:  # the library raises several kinds on text that is not HL7
        outcome = Outcome("AR", "refused", "not an HL7 v2 message (no MSH segment)")
        _store(services, None, text, outcome)
        return outcome, _bare_ack(outcome)
    header = _header(message)
    previous = _previous(services, header)
    if previous is not None and previous.ack_code in ("AA", "AR"):
        outcome = Outcome(previous.ack_code, previous.outcome,
                          f"already received: {previous.detail}", previous.episode_id)
        return outcome, _ack(message, outcome)
    refusal = _refusal(header)
    if refusal:
        outcome = Outcome("AR", "refused", refusal)
    else:
        outcome = _apply(services, message, header, text, table)
        if outcome.ack_code == "AA":
            return outcome, _ack(message, outcome)  # stored with its effect, in one commit
    _store(services, header, text, outcome)
    return outcome, _ack(message, outcome)


def _header(message: hl7.Message) -> dict[str, str]:
    return {"sending_application": value(message, "MSH", 3),
            "sending_facility": value(message, "MSH", 4),
            "control_id": value(message, "MSH", 10),
            "message_type": "^".join(p for p in (value(message, "MSH", 9, 1),
                                                 value(message, "MSH", 9, 2)) if p),
            "version": value(message, "MSH", 12)}


def _refusal(header: dict[str, str]) -> str | None:
    if not header["control_id"]:
        return "MSH-10 (message control id) is empty"
    if header["version"] not in VERSIONS:
        return f"HL7 version {header['version'] or '(none)'} is not read here (2.3 to 2.8.2)"
    if not header["message_type"].startswith("ADT^"):
        return f"message type {header['message_type'] or '(none)'} is not ADT"
    return None


def _previous(services: Services, header: dict[str, str]) -> Hl7Message | None:
    if not header["control_id"]:
        return None
    with services.sessions() as session:
        return session.scalar(select(Hl7Message).where(
            Hl7Message.sending_application == header["sending_application"],
            Hl7Message.sending_facility == header["sending_facility"],
            Hl7Message.control_id == header["control_id"]))


def _apply(services: Services, message: hl7.Message, header: dict[str, str], text: str,
           table: FlowTable) -> Outcome:
    fields = read_adt(message)
    now = services.clock()
    try:
        with transaction(services.sessions) as session:
            outcome = _event(session, services, fields, table, now)
            _write(session, header, text, outcome, now)
            return outcome
    except EnrollmentError as exc:
        return Outcome("AE", "failed", "; ".join(exc.problems))
    except DATABASE_AWAY:
        raise
    except Exception as exc:
        log.exception("ADT message %s could not be processed", header["control_id"])
        return Outcome("AE", "failed", f"could not be processed ({type(exc).__name__}); "
                                       "kept for review")


def _event(session: Session, services: Services, fields: AdtFields, table: FlowTable,
           now: datetime) -> Outcome:
    event = fields.event
    if event == "A03":
        return apply_discharge(session, services, fields, table, now)
    if event in IGNORED_EVENTS or event not in ("A01", "A04", "A08", "A11", "A13"):
        return Outcome("AA", "ignored", f"{event}: nothing to do for follow-up")
    patient = session.scalar(select(Patient).where(
        Patient.mrn_authority == fields.mrn_authority, Patient.mrn == fields.mrn)) \
        if fields.mrn else None
    if patient is None:
        return Outcome("AA", "ignored", f"{event}: no patient with MRN {fields.mrn or '(none)'}")
    if event in ("A01", "A04"):
        return _admission(session, services, patient, fields, now)
    if event == "A08":
        return _demographics(session, patient, fields, services, now)
    withdrawn = _withdraw_admission(session, patient, fields) if event == "A11" else ""
    episode = session.scalar(select(Episode).where(
        Episode.patient_id == patient.id, Episode.visit_number == fields.visit_number))
    if episode is None:
        return Outcome("AA", "applied" if withdrawn else "ignored",
                       f"{event}: {withdrawn}no stay with visit "
                       f"{fields.visit_number or '(none)'}")
    count = cancel_episodes(session, services.dialogue, [episode.id], "hospital_cancelled",
                            now)
    return Outcome("AA", "applied", f"{event}: {withdrawn}stay {episode.id} cancelled with "
                                    f"its {count} scheduled check-in(s)", episode.id)


def apply_discharge(session: Session, services: Services, fields: AdtFields, table: FlowTable,
                    now: datetime, origin: Origin = HL7) -> Outcome:
    """A discharge from the hospital (ADT A03 or a FHIR Encounter), in the caller's
    transaction: a stay with check-ins for home and home health, none otherwise, and all
    follow-up cancelled for a patient who died. Its next of kin with a dialable phone become
    caregivers, without consent (see `caregiver_intake`)."""
    if fields.disposition == "expired":
        patient = session.scalar(select(Patient).where(
            Patient.mrn_authority == fields.mrn_authority, Patient.mrn == fields.mrn))
        if patient is None:
            return Outcome("AA", "ignored",
                           f"{fields.event}, expired: no patient with this MRN here")
        episodes = [e.id for e in patient.episodes]
        count = cancel_episodes(session, services.dialogue, episodes, "death", now)
        return Outcome("AA", "applied",
                       f"{fields.event}, expired: all follow-up cancelled ({count} check-in(s))")
    if fields.disposition and fields.disposition not in FOLLOWED_UP:
        return Outcome("AA", "ignored", f"{fields.event} to {fields.disposition} (disposition "
                                        f"{fields.disposition_code}): no check-ins")
    codes = [code for said in fields.diagnoses if (code := leading_code(said))]
    flow = table.choose(codes, fields.has_procedures)
    region = services.settings.default_region
    discharge = validate_discharge(
        services.settings, services.flows, now=now, name=fields.name, dob=fields.dob,
        phone=fields.phone, discharged=fields.discharged, flow=flow, lang=fields.language,
        mrn=fields.mrn, mrn_authority=fields.mrn_authority,
        visit_number=fields.visit_number or None, appointment=fields.appointment or None,
        appointment_with=fields.appointment_with or None,
        appointment_place=fields.appointment_place or None,
        medication_rows=fields.medications,
        caregivers=usable(fields.caregivers, region, fields.language),
        diagnoses=fields.diagnoses[:MAX_DIAGNOSES], pcp=dialable(fields.pcp, region),
        pharmacy=dialable(fields.pharmacy, region))
    admitted, unused = stay_admission(fields.admitted, discharge)
    discharge = replace(discharge, admitted_at=admitted, warnings=(*discharge.warnings, *unused))
    recorded = record_stay(session, services, discharge, now, origin)
    episode = recorded.episode
    episode.disposition = fields.disposition or "home"
    episode.next_of_kin = fields.next_of_kin
    said = {"created": f"{fields.event}: stay {episode.id} recorded, flow {flow}",
            "unchanged": f"{fields.event}: stay {episode.id} already recorded as sent",
            "updated": f"{fields.event}: stay {episode.id} updated: " + "; ".join(recorded.changes)}
    detail = " | ".join([said[recorded.outcome], *recorded.notes])
    outcome = "unchanged" if recorded.outcome == "unchanged" else "applied"
    return Outcome("AA", outcome, detail, episode.id, recorded.outcome)


def _admission(session: Session, services: Services, patient: Patient, fields: AdtFields,
               now: datetime) -> Outcome:
    """A01/A04: the admission is recorded as a readmission (whether or not follow-up is in
    progress: the reports count it either way), and follow-up in progress stops."""
    event = fields.event
    admitted, notes = adt_admission_time(fields, patient, now)
    visit = fields.visit_number or None
    if visit and not IDENTIFIER.match(visit):
        notes.append(f"visit number PV1-19 {visit[:70]!r} is not an identifier; recorded "
                     "without it")
        visit = None
    recorded = record_readmission(session, patient, admitted, now, source="hl7",
                                  visit_number=visit, event=event)
    # Only the stays discharged before this admission: not the stay of its own visit, nor
    # one after an admission reported late.
    count, latest = stop_follow_up(session, services.dialogue, patient.id, now,
                                   told_by=f"{event} from the hospital", raw=f"ADT {event}",
                                   discharged_before=recorded.readmission.admitted_at)
    stopped = (f"{count} check-in(s) cancelled, coordinator told" if latest
               else "no follow-up in progress")
    changed = recorded.created or recorded.corrected or latest is not None
    return Outcome("AA", "applied" if changed else "unchanged",
                   " | ".join([f"{event}: {recorded.said()}; {stopped}", *notes]),
                   latest or recorded.readmission.index_episode_id)


def _withdraw_admission(session: Session, patient: Patient, fields: AdtFields) -> str:
    """A11 (cancel admit): the admission never happened, so it is no readmission."""
    if not fields.visit_number:
        return ""
    row = session.scalar(select(Readmission).where(
        Readmission.patient_id == patient.id, Readmission.visit_number == fields.visit_number))
    if row is None:
        return ""
    session.delete(row)
    return "its readmission withdrawn; "


def _demographics(session: Session, patient: Patient, fields: AdtFields, services: Services,
                  now: datetime) -> Outcome:
    changes = []
    if fields.phone:
        phone = phone_number(fields.phone, services.settings.default_region)
        if phone != patient.phone:
            changes.append(f"phone {patient.phone} → {phone}")
            patient.phone = phone
    if fields.name and fields.name != patient.name:
        changes.append(f"name {patient.name} → {fields.name}")
        patient.name = fields.name
    if fields.language != patient.language and fields.language:
        changes.append(f"language {patient.language} → {fields.language}")
        patient.language = fields.language
    region = services.settings.default_region
    changes += record_caregivers(session, patient, usable(fields.caregivers, region,
                                                          patient.language), HL7, region, now)[0]
    if not changes:
        return Outcome("AA", "unchanged", "A08: nothing changed")
    return Outcome("AA", "applied", "A08: " + "; ".join(changes))


def _store(services: Services, header: dict[str, str] | None, text: str,
           outcome: Outcome) -> None:
    """A refused or failed message is kept (the AA ones are stored with their effect)."""
    try:
        with transaction(services.sessions) as session:
            _write(session, header, text, outcome, services.clock())
    except DATABASE_AWAY:
        log.error("HL7 message could not be stored: the database is away (the sender will "
                  "send it again)")
        raise


def _write(session: Session, header: dict[str, str] | None, text: str, outcome: Outcome,
           now: datetime) -> None:
    header = header or {}
    row = None
    if header.get("control_id"):
        row = session.scalar(select(Hl7Message).where(
            Hl7Message.sending_application == header["sending_application"],
            Hl7Message.sending_facility == header["sending_facility"],
            Hl7Message.control_id == header["control_id"]))
    if row is not None and row.ack_code in ("AA", "AR"):
        return  # settled already (a copy sent at the same moment got there first): kept as is
    if row is None:  # a first arrival; an earlier AE of the same id is tried again in place
        row = Hl7Message(**{key: header[key][:limit] if header.get(key) else None
                            for key, limit in COLUMN_LIMITS.items()})
        session.add(row)
    row.received_at, row.raw = now, text
    row.outcome, row.ack_code, row.detail = outcome.outcome, outcome.ack_code, outcome.detail
    row.episode_id = outcome.episode_id
    session.flush()


def _ack(message: hl7.Message, outcome: Outcome) -> str:
    ack = message.create_ack(outcome.ack_code, message_id=uuid.uuid4().hex[:20],
                             application="CARECALL", facility="CARECALL")
    ack.segment("MSA").assign_field(outcome.detail[:200].replace("|", "/"), 3)
    return str(ack)


def _bare_ack(outcome: Outcome) -> str:
    """For text that is not HL7: nothing to echo, but the sender still gets an answer."""
    stamp = datetime.now().strftime("%Y%m%d%H%M%S")
    return (f"MSH|^~\\&|CARECALL|CARECALL|||{stamp}||ACK|{uuid.uuid4().hex[:20]}|P|2.5\r"
            f"MSA|AR||{outcome.detail}")
