"""The patients of a synthetic year and what their stays carry: language (about 70% English,
30% Spanish), time zone, contact hours, channel (some prefer a call), how readily they answer
(some never do, some have a landline), medicines and follow-up visits."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .synthetic_rows import Rows, pick
from .synthetic_talk import Medicine

ZONES = (("America/New_York", 0.78), ("America/Chicago", 0.1), ("America/Denver", 0.03),
         ("America/Phoenix", 0.02), ("America/Los_Angeles", 0.07))
# How readily a patient answers: never (a wrong number, no interest), now and then, mostly.
REPLY_RATES = ((0.0, 0.06), (0.55, 0.22), (0.93, 0.72))
FIRST = {"en": ("James", "Mary", "Robert", "Patricia", "John", "Linda", "Michael", "Barbara",
                "David", "Susan", "Grace", "Walter"),
         "es": ("Maria", "Jose", "Carmen", "Luis", "Rosa", "Juan", "Ana", "Carlos", "Elena",
                "Miguel")}
LAST = {"en": ("Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson",
               "Moore", "Taylor", "Clark", "Hall"),
        "es": ("Garcia", "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Perez",
               "Sanchez", "Ramirez", "Torres")}
DIAGNOSES = {"heart_failure": ("I50.22 Chronic systolic heart failure", "I10 Hypertension"),
             "copd": ("J44.1 COPD with exacerbation",),
             "pneumonia": ("J18.9 Pneumonia",),
             "diabetes": ("E11.65 Type 2 diabetes with hyperglycemia",),
             "post_surgery": ("Z48.81 Aftercare following surgery",),
             "general": ("R53.83 Fatigue",)}
MEDICINES = (("furosemide", "40 mg", False), ("metoprolol", "25 mg", False),
             ("lisinopril", "10 mg", False), ("apixaban", "5 mg", True),
             ("warfarin", "5 mg", True), ("insulin glargine", "20 units", True),
             ("amoxicillin", "500 mg", False), ("prednisone", "20 mg", False),
             ("oxycodone", "5 mg", True), ("metformin", "500 mg", False))
CHANGES = (("new", 0.4), ("changed", 0.25), ("stopped", 0.15), ("unchanged", 0.2))


@dataclass(frozen=True)
class Person:
    id: int
    phone: str
    language: str
    dob: date
    time_zone: str
    start_hour: int
    end_hour: int
    channel: str
    reply_rate: float
    landline: bool


class People:
    def __init__(self, rows: Rows, rng: random.Random) -> None:
        self.rows, self.rng = rows, rng
        self.known: dict[int, Person] = {}
        self.opted_out: list[tuple[int, datetime]] = []
        self._phones = rng.randrange(10_000)

    def new(self, left: datetime) -> Person:
        rng, rows = self.rng, self.rows
        number = rows.new_id("patient")
        language = "es" if rng.random() < 0.3 else "en"
        dob = date(1930, 1, 1) + timedelta(days=rng.randrange(365 * 45))
        start, end = (8, 21) if rng.random() < 0.8 else (9, 20)
        self._phones += 1
        phone = f"+1{300 + self._phones // 10_000 % 600:03d}555{self._phones % 10_000:04d}"
        person = Person(number, phone, language, dob, pick(rng, ZONES), start, end,
                        "voice" if rng.random() < 0.15 else "sms", pick(rng, REPLY_RATES),
                        rng.random() < 0.015)
        name = f"{rng.choice(FIRST[language])} {rng.choice(LAST[language])}"
        rows.add("patient", (number, f"SYN{number:08d}", "RIVERSIDE", name, rows.day(dob),
                             phone, language, person.time_zone, start, end, person.channel,
                             rows.time(left)))
        self.known[number] = person
        return person

    def opt_out(self, patient_id: int, at: datetime) -> None:
        self.opted_out.append((patient_id, at))

    def diagnoses(self, flow_id: str) -> list[str]:
        return list(DIAGNOSES.get(flow_id, DIAGNOSES["general"]))

    def medicines(self, episode_id: int) -> list[Medicine]:
        rng, rows = self.rng, self.rows
        if rng.random() < 0.25:
            return []
        found = []
        for name, dose, high_risk in rng.sample(MEDICINES, rng.randint(1, 4)):
            number, change = rows.new_id("medication"), pick(rng, CHANGES)
            rows.add("medication", (number, episode_id, name, dose, change, high_risk))
            found.append(Medicine(number, change, high_risk))
        return found

    def visit(self, episode_id: int, left: datetime) -> datetime | None:
        """A follow-up visit on record for about half the stays, 3 to 14 days out."""
        rng, rows = self.rng, self.rows
        if rng.random() < 0.5:
            return None
        day = left.replace(hour=14, minute=0, second=0, microsecond=0) + timedelta(
            days=rng.randint(3, 14), hours=rng.randint(0, 6), minutes=rng.choice((0, 15, 30)))
        rows.add("appointment", (rows.new_id("appointment"), episode_id, rows.time(day),
                                 "Follow-up visit", "Dr. Lee", "Main Street Clinic"))
        return day


