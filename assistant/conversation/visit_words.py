"""The follow-up visit as the patient hears it: its day and time in the patient's own zone and
language, the clinician and the place only when they are on record. A visit already begun
is no longer "known": the check-in then asks whether one is booked, as it would without one."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from assistant.records.models import Appointment, Episode

WEEKDAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
}
MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
           "septiembre", "octubre", "noviembre", "diciembre"),
}
# How the clinician and the place join the sentence; each part is left out when unknown.
JOINERS = {"en": (" with {}", " at {}"), "es": (" con {}", " en {}")}


def upcoming_visit(episode: Episode, now: datetime) -> Appointment | None:
    """The first visit on record that has not started yet (appointments are kept in order)."""
    return next((a for a in episode.appointments if a.starts_at > now), None)


def visit_values(appointment: Appointment, zone: str, language: str) -> dict[str, str]:
    """The prompt values {visit_time}, {with_clinician} and {at_place}."""
    with_word, at_word = JOINERS.get(language, JOINERS["en"])
    clinician, place = (appointment.clinician or "").strip(), (appointment.location or "").strip()
    return {
        "visit_time": visit_time(appointment.starts_at, zone, language),
        "with_clinician": with_word.format(clinician) if clinician else "",
        "at_place": at_word.format(place) if place else "",
    }


def visit_time(moment: datetime, zone: str, language: str) -> str:
    """"Tuesday, December 1 at 10:00 AM"; "el martes 1 de diciembre a las 10:00 de la
    mañana" (the hour as people say it, morning, afternoon or evening)."""
    local = moment.replace(tzinfo=UTC).astimezone(ZoneInfo(zone))
    hour = local.hour % 12 or 12
    clock = f"{hour}:{local.minute:02d}"
    if language == "es":
        article = "a la" if hour == 1 else "a las"
        part = "de la mañana" if local.hour < 12 else "de la tarde" if local.hour < 19 \
            else "de la noche"
        return (f"el {WEEKDAYS['es'][local.weekday()]} {local.day} de "
                f"{MONTHS['es'][local.month - 1]} {article} {clock} {part}")
    half = "AM" if local.hour < 12 else "PM"
    return (f"{WEEKDAYS['en'][local.weekday()]}, {MONTHS['en'][local.month - 1]} {local.day} "
            f"at {clock} {half}")
