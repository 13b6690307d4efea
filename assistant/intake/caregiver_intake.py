"""Caregivers that arrive with a discharge: read from `carecall enroll --caregiver`, a CSV
row, the JSON API, HL7 NK1 segments or FHIR Patient.contact; checked with the discharge (every
problem at once, each naming the caregiver) and written with the stay, never twice.

Only a person enrolling (the command line, the CSV, the JSON API) states the patient's consent
to share health information with a caregiver, so only they can give or withdraw consent and
make someone a proxy. A hospital feed (ADT NK1, FHIR contacts) lists next of kin and
emergency contacts: it adds the ones not on record, without consent, and changes nothing about
the ones already there."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from assistant.care_team.caregivers import (
    LANGUAGES,
    NewCaregiver,
    add_caregiver,
    restate_caregiver,
    same_caregiver,
)
from assistant.intake.validation import Discharge, EnrollmentError, checked_caregivers
from assistant.records.models import Patient

SPEC = "NAME;RELATIONSHIP;PHONE[;LANG][;consent][;proxy]"
CSV_COLUMNS = ("caregiver_name", "caregiver_relationship", "caregiver_phone",
               "caregiver_lang", "caregiver_consent", "caregiver_proxy")
JSON_FIELDS = ("name", "relationship", "phone", "language", "consent", "proxy")
YES, NO = ("yes", "y", "true", "1"), ("no", "n", "false", "0", "")


@dataclass(frozen=True)
class Origin:
    """Which door the caregivers came through: `source` as stored, `actor` for the audit,
    and whether that door states the patient's consent (see the module's docstring)."""

    source: str
    actor: str
    states_consent: bool = True


ENROLMENT = Origin("enrolment", "enrolment")
HL7 = Origin("hl7", "hl7", states_consent=False)
Read = tuple[list[NewCaregiver], list[str]]  # the caregivers read, and what could not be


def from_specs(specs: Sequence[str]) -> Read:
    """`--caregiver "Maria Rivera;daughter;+1 201 555 0188;es;consent;proxy"`, each one; the
    language is left "" when not given (it becomes the patient's)."""
    found: list[NewCaregiver] = []
    problems: list[str] = []
    for text in specs:
        parts = [part.strip() for part in text.split(";")]
        if len(parts) < 3:
            problems.append(f"--caregiver {text!r}: write it as {SPEC}")
            continue
        language, flags, bad = "", set(), False
        for token in parts[3:]:
            word = token.lower()
            if word in LANGUAGES:
                language = word
            elif word in ("consent", "proxy"):
                flags.add(word)
            elif word:
                bad = True
                problems.append(f"--caregiver {text!r}: {token!r} is not a language "
                                f"({', '.join(LANGUAGES)}), 'consent' or 'proxy' ({SPEC})")
        if not bad:
            found.append(NewCaregiver(parts[0], parts[1], parts[2], language,
                                      "consent" in flags, "proxy" in flags))
    return found, problems


def from_row(row: dict[str, str]) -> Read:
    """The CSV's one caregiver per row (none when every caregiver column is empty)."""
    if not any(row.get(column) for column in CSV_COLUMNS):
        return [], []
    problems = []
    flags = {}
    for column in ("caregiver_consent", "caregiver_proxy"):
        word = row.get(column, "").strip().lower()
        if word not in YES + NO:
            problems.append(f"{column} {row[column]!r} is not yes or no")
        flags[column] = word in YES
    if problems:
        return [], problems
    return [NewCaregiver(row.get("caregiver_name", ""), row.get("caregiver_relationship", ""),
                         row.get("caregiver_phone", ""),
                         row.get("caregiver_lang", "").strip().lower(),
                         flags["caregiver_consent"], flags["caregiver_proxy"])], []


def from_json(items: Any) -> Read:
    """The API's `caregivers`: a list of {name, relationship, phone, language, consent,
    proxy}; consent and proxy are JSON booleans (false when left out)."""
    if items is None:
        return [], []
    if not isinstance(items, list):
        return [], ["caregivers must be a list of objects"]
    found: list[NewCaregiver] = []
    problems: list[str] = []
    for number, item in enumerate(items, start=1):
        where = f"caregivers[{number}]"
        if not isinstance(item, dict):
            problems.append(f"{where} must be an object with {', '.join(JSON_FIELDS)}")
            continue
        bad = [f"{where}: unknown field {key!r}" for key in sorted(set(item) - set(JSON_FIELDS))]
        bad += [f"{where}.{key} must be text" for key in JSON_FIELDS[:4]
                if item.get(key) is not None and not isinstance(item[key], str)]
        bad += [f"{where}.{key} must be true or false" for key in JSON_FIELDS[4:]
                if item.get(key) is not None and not isinstance(item[key], bool)]
        problems += bad
        if not bad:
            found.append(NewCaregiver(item.get("name") or "", item.get("relationship") or "",
                                      item.get("phone") or "", item.get("language") or "",
                                      bool(item.get("consent")), bool(item.get("proxy"))))
    return found, problems


def usable(caregivers: Sequence[NewCaregiver], region: str,
           language: str) -> list[NewCaregiver]:
    """A feed's contacts that can be stored (a name, a relationship, a dialable phone); the
    others stay only in the stay's next-of-kin list: a hospital's contact list is not refused
    for a contact we cannot call."""
    kept = []
    for given in caregivers:
        try:
            kept += checked_caregivers([given], region, language)
        except EnrollmentError:
            continue
    return [given for given in kept if given.phone]


def record_caregivers(session: Session, patient: Patient, caregivers: Sequence[NewCaregiver],
                      origin: Origin, region: str,
                      now: datetime) -> tuple[list[str], list[str]]:
    """Add the (checked) caregivers not yet on record and, where the origin states consent,
    restate the ones that are. Returns (changes, notes) in words for the sender."""
    changes: list[str] = []
    notes: list[str] = []
    for given in caregivers:
        who = f"caregiver {given.name} ({given.relationship})"
        known = same_caregiver(session, patient.id, given)
        if known is None:
            add_caregiver(session, patient, given, source=origin.source, actor=origin.actor,
                          default_region=region, now=now)
            changes.append(f"{who} added")
        elif not origin.states_consent:
            continue
        elif not known.active:
            notes.append(f"{who} was made inactive on the patient page; left inactive")
        elif restated := restate_caregiver(session, known, given, actor=origin.actor, now=now):
            changes.append(f"{who}: {', '.join(restated)}")
    return changes, notes


def validated_with(read: Read, validate: Callable[[list[NewCaregiver]], Discharge]) -> Discharge:
    """The discharge validated with the caregivers `read`: the problems of both in one
    EnrollmentError (a misspelt caregiver does not hide a bad date of birth, or another
    caregiver's bad phone)."""
    caregivers, problems = read
    try:
        discharge = validate(caregivers)
    except EnrollmentError as exc:
        problems = exc.problems + problems
    if problems:
        raise EnrollmentError("; ".join(problems), problems)
    return discharge
