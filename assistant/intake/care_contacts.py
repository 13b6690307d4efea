"""What the nurse needs to know about a stay besides the check-ins: its diagnoses (ICD-10
codes or words, as the hospital wrote them) and the patient's PCP and pharmacy, whom the
nurse calls about a medicine or a missed visit.

Each door reads them its own way (`carecall enroll --diagnosis/--pcp/--pharmacy`, CSV
columns, the JSON API, HL7 PD1/ROL and DG1, FHIR); here they are checked alike, every
problem reported at once. A door that names them states them as they are now; a door that
leaves them out keeps what is on record (a nightly report without a PCP column does not
erase the PCP the hospital's feed sent)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from assistant.foundation.text import CONTROL_CHARACTERS
from assistant.records.phones import InvalidPhone, to_e164

ROLES = {"pcp": "PCP", "pharmacy": "pharmacy"}  # the stored key → how the nurse says it
MAX_TEXT = 200  # a name, or one diagnosis with its description
MAX_DIAGNOSES = 30
SPEC = "NAME;PHONE"
# An ICD-10(-CM) code at the start of a diagnosis: "I50.22" or "I5022 Chronic systolic...".
ICD10_CODE = re.compile(r"^[A-Z][0-9][0-9A-Z](?:\.?[0-9A-Z]{1,4})?$", re.IGNORECASE)
Read = tuple[Any, list[str]]  # what was read, and the problems found reading it


@dataclass(frozen=True)
class CareContact:
    """A PCP or a pharmacy: a name, and the phone the nurse calls (E.164 once checked)."""

    name: str
    phone: str | None = None

    def as_stored(self) -> dict[str, str]:
        return {"name": self.name, **({"phone": self.phone} if self.phone else {})}

    def __str__(self) -> str:
        return f"{self.name} ({self.phone})" if self.phone else self.name


def contact_from_spec(option: str, text: str | None) -> Read:
    """`--pcp "Dr. Ana Lee;+1 201 555 0100"` (the phone may be left out)."""
    if text is None:
        return None, []
    parts = [part.strip() for part in text.split(";")]
    if len(parts) > 2 or not any(parts):
        return None, [f"{option} {text!r}: write it as {SPEC}, like "
                      f"{option} \"Dr. Ana Lee;+1 201 555 0100\" (the phone may be left out)"]
    return CareContact(parts[0], parts[1] if len(parts) == 2 else None), []


def contact_from_columns(row: dict[str, str], role: str) -> CareContact | None:
    """The CSV's `pcp_name`, `pcp_phone` (or `pharmacy_…`); None when both are empty."""
    name, phone = row.get(f"{role}_name", ""), row.get(f"{role}_phone", "")
    return CareContact(name, phone or None) if name or phone else None


def contact_from_json(body: dict[str, Any], role: str) -> Read:
    """The API's `pcp` or `pharmacy`: an object {name, phone}, both text."""
    item = body.get(role)
    if item is None:
        return None, []
    if not isinstance(item, dict):
        return None, [f"{role} must be an object with name and phone, like "
                      "{\"name\": \"Dr. Ana Lee\", \"phone\": \"+12015550100\"}"]
    problems = [f"{role}: unknown field {key!r} (it takes name and phone)"
                for key in sorted(set(item) - {"name", "phone"})]
    problems += [f"{role}.{key} must be text" for key in ("name", "phone")
                 if item.get(key) is not None and not isinstance(item[key], str)]
    if problems:
        return None, problems
    return CareContact(item.get("name") or "", item.get("phone") or None), []


def diagnoses_from_json(items: Any) -> Read:
    """The API's `diagnoses`: a list of text, each a code or words."""
    if items is None:
        return [], []
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        return [], ["diagnoses must be a list of text, like [\"I50.22\", \"Type 2 diabetes\"]"]
    return items, []


def check_diagnoses(given: list[str] | tuple[str, ...]) -> Read:
    """Each diagnosis trimmed and said once, in the order given."""
    found: list[str] = []
    problems = []
    for text in given:
        clean = " ".join(text.split())
        if CONTROL_CHARACTERS.search(text):
            problems.append(f"diagnosis {text!r} has control characters; give plain text")
        elif len(clean) > MAX_TEXT:
            problems.append(f"diagnosis {clean[:40]!r}… is longer than {MAX_TEXT} characters; "
                            "shorten it")
        elif clean and clean not in found:
            found.append(clean)
    if len(found) > MAX_DIAGNOSES:
        problems.append(f"{len(found)} diagnoses: give at most {MAX_DIAGNOSES}, the main "
                        "ones first")
    return tuple(found), problems


def check_contact(role: str, given: CareContact | None, region: str) -> Read:
    """The contact as it will be stored (name trimmed, phone E.164), or what is wrong."""
    if given is None:
        return None, []
    label = ROLES[role]
    name = " ".join(given.name.split())
    problems = []
    if not name:
        problems.append(f"{label} has no name; give the {label}'s name")
    elif len(name) > MAX_TEXT:
        problems.append(f"{label} name is longer than {MAX_TEXT} characters; shorten it")
    if CONTROL_CHARACTERS.search(given.name):
        problems.append(f"{label} name {given.name!r} has control characters; give plain text")
    phone = None
    if given.phone and given.phone.strip():
        try:
            phone = to_e164(given.phone, region)
        except InvalidPhone as exc:
            problems.append(f"{label} {exc}")
    return (None if problems else CareContact(name, phone)), problems


def dialable(given: CareContact | None, region: str) -> CareContact | None:
    """A hospital feed's contact as it can be kept: a phone we cannot dial is dropped (the
    name is still worth showing), and so is a contact without a usable name. A feed's
    discharge is not refused for its PCP's phone."""
    if given is None:
        return None
    checked, problems = check_contact("pcp", given, region)
    if problems and given.phone:
        checked, _ = check_contact("pcp", CareContact(given.name), region)
    return checked


def leading_code(diagnosis: str) -> str | None:
    """The ICD-10 code a diagnosis starts with, if it does (words alone have none)."""
    first = diagnosis.split(maxsplit=1)[0] if diagnosis.strip() else ""
    return first if ICD10_CODE.match(first) else None


def stored_contacts(known: dict[str, Any] | None,
                    given: dict[str, CareContact | None]) -> dict[str, Any] | None:
    """The episode's `care_contacts` JSON with the contacts `given` stated (None: kept)."""
    result = dict(known or {})
    for role, contact in given.items():
        if contact is not None:
            result[role] = contact.as_stored()
    return result or None


def contact_changes(known: dict[str, Any] | None,
                    given: dict[str, CareContact | None]) -> list[str]:
    """Each stated contact that differs from the record, in words: "PCP: Dr. Lee → …"."""
    changes = []
    for role, contact in given.items():
        if contact is None:
            continue
        entry = (known or {}).get(role)
        before = CareContact(str(entry.get("name") or ""), entry.get("phone") or None) \
            if isinstance(entry, dict) else None
        if before != contact:
            changes.append(f"{ROLES[role]}: {before or 'none'} → {contact}")
    return changes
