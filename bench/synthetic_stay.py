"""One discharge of a synthetic year, whole: the patient (new, or back after a readmission),
the stay with its medicines and visit, each planned check-in with its contact attempts (voice
calls falling back to SMS, reminders) and conversation, the alerts, the TCM contact and any
readmission. Check-ins after a readmission or an opt-out are cancelled, as the product does."""

from __future__ import annotations

import heapq
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from assistant.conversation.flows import Flow
from assistant.foundation.business_days import BusinessCalendar
from assistant.outreach.scheduling import PlannedCheckIn, plan_checkins, tcm_deadline

from .synthetic_care import Care, Episode
from .synthetic_people import People, Person
from .synthetic_rows import pick
from .synthetic_talk import RaisedAlert, Stay, Talk, Talker

# Reached patients are readmitted within 30 days less often than those never reached.
READMITTED_30 = {True: 0.14, False: 0.18}
READMITTED_LATER = 0.06  # 31 to 90 days
FATES = (("completed", 0.87), ("expired", 0.09), ("opted_out", 0.02))
REMINDER_AFTER = timedelta(hours=24)
GIVE_UP_AFTER = timedelta(hours=24)
CALL_RETRY = timedelta(minutes=240)
NOT_REACHED = ("no-answer", "no-answer", "busy", "voicemail")


@dataclass
class Outcome:
    status: str
    ended_at: datetime | None
    replied: bool


class Discharges:
    def __init__(self, people: People, talker: Talker, care: Care, flows: list[Flow],
                 weights: list[float], versions: dict[str, int], end: datetime) -> None:
        self.people, self.talker, self.care = people, talker, care
        self.rows, self.rng = talker.rows, talker.rng
        self.flows, self.weights, self.versions, self.end = flows, weights, versions, end
        self.calendar = BusinessCalendar("US")
        self.returning: list[tuple[datetime, int, int]] = []  # (back home, seq, patient id)
        self.opted_out: dict[int, datetime] = {}  # patient id → when

    def discharge(self, left: datetime) -> None:
        rng, rows, t = self.rng, self.rows, self.rows.time
        person = self._person(left)
        flow = rng.choices(self.flows, self.weights)[0]
        episode_id = rows.new_id("episode")
        created = left + timedelta(minutes=rng.uniform(10, 120))
        deadline = tcm_deadline(left, person.time_zone, self.calendar)
        weight = round(rng.uniform(130, 260), 1) if flow.id == "heart_failure" else None
        rows.add("episode", (episode_id, person.id, f"SV{episode_id:08d}", "home", t(left),
                             "Riverside Hospital", rows.json(self.people.diagnoses(flow.id)),
                             flow.id, rows.json({"weight_lb": weight} if weight else {}),
                             t(deadline), t(created)))
        medicines = self.people.medicines(episode_id)
        visit = self.people.visit(episode_id, left)
        stay = Stay(person.id, person.phone, person.language, person.dob, flow, medicines,
                    visit, weight)
        episode = Episode(episode_id, person.id, left, deadline)
        planned = plan_checkins(flow, left, person.time_zone, self.calendar,
                                person.start_hour, person.end_hour, not_before=created)
        replies = [rng.random() < person.reply_rate * (1 - 0.05 * i) for i in range(len(planned))]
        admitted, days = self._readmission(left, any(replies))
        problems: list[datetime] = []
        for contact, replying in zip(planned, replies, strict=True):
            self._checkin(person, stay, episode, contact, replying, admitted, problems)
        if admitted is not None and admitted <= self.end:
            self.care.readmission(episode, admitted, days)
            back = admitted + timedelta(days=rng.randint(2, 8))
            if back <= self.end and rng.random() < 0.7:
                heapq.heappush(self.returning, (back, episode_id, person.id))
        self.care.tcm(episode, problems)

    def _person(self, left: datetime) -> Person:
        if self.returning and self.returning[0][0] <= left:
            _, _, patient_id = heapq.heappop(self.returning)
            return self.people.known[patient_id]
        return self.people.new(left)

    def _readmission(self, left: datetime, reached: bool) -> tuple[datetime | None, int]:
        rng = self.rng
        draw = rng.random()
        if draw < READMITTED_30[reached]:
            days = min(30, 1 + int(rng.expovariate(1 / 8)))
        elif draw < READMITTED_30[reached] + READMITTED_LATER:
            days = rng.randint(31, 90)
        else:
            return None, 0
        return left + timedelta(days=days, hours=rng.uniform(-6, 6)), days

    # -- check-ins --------------------------------------------------------------------------

    def _checkin(self, person: Person, stay: Stay, episode: Episode, contact: PlannedCheckIn,
                 replying: bool, admitted: datetime | None, problems: list[datetime]) -> None:
        rng, rows, t, end = self.rng, self.rows, self.rows.time, self.end
        checkin_id = rows.new_id("checkin")
        due = contact.due_at
        voice = person.channel == "voice"
        channel, fallback = ("voice", "sms") if voice else ("sms", None)
        opted = self.opted_out.get(person.id)
        stopped_by = ("opted_out", opted) if opted and opted <= due else \
            ("readmitted", admitted) if admitted and admitted <= due and admitted <= end \
            else None
        row = [checkin_id, episode.id, self.versions[stay.flow.id], contact.label, t(due),
               channel, fallback, 0, "scheduled", None, None, None, None, None, None, None]
        if stopped_by is not None:
            row[8], row[13], row[15] = "cancelled", t(max(stopped_by[1], due - timedelta(
                days=1))), stopped_by[0]
            rows.add("checkin", tuple(row))
            return
        if due > end:
            rows.add("checkin", tuple(row))
            return
        row[9], row[10] = "worker-1", t(due)
        start = due + timedelta(seconds=rng.uniform(2, 40))
        attempts = 0
        if voice:
            answered, start, attempts = self._calls(person, checkin_id, start, replying)
            if answered is None:  # every call missed: the check-in goes on by SMS
                row[5], row[6], channel = "sms", None, "sms"
            if start > end:  # a call still to make at the end of the year
                row[7], row[8] = attempts, "sent"
                rows.add("checkin", tuple(row))
                return
        if channel == "sms" and person.landline:
            attempts += 1
            self._attempt(checkin_id, person.id, "checkin", "sms", start, "failed")
            row[7], row[8], row[11], row[13] = attempts, "unreachable", None, t(start)
            row[14] = "first message failed"
            rows.add("checkin", tuple(row))
            return
        if channel == "sms":
            attempts += 1
            self._attempt(checkin_id, person.id, "checkin", "sms", start,
                          "delivered" if rng.random() < 0.96 else "sent")
        row[7], row[11] = attempts, t(start)
        outcome = self._conversation(person, stay, episode, checkin_id, channel, start,
                                     replying, row, problems)
        row[8], row[13] = outcome.status, t(outcome.ended_at)
        rows.add("checkin", tuple(row))

    def _calls(self, person: Person, checkin_id: int, start: datetime,
               replying: bool) -> tuple[bool | None, datetime, int]:
        """Up to three calls, four hours apart; (answered, when, calls made)."""
        rng = self.rng
        for calls in range(1, 4):
            answered = replying and rng.random() < 0.6
            self._attempt(checkin_id, person.id, "checkin", "voice", start,
                          "placed" if answered else rng.choice(NOT_REACHED))
            if answered:
                return True, start + timedelta(seconds=rng.uniform(15, 40)), calls
            if calls < 3:
                start += CALL_RETRY
                if start > self.end:
                    return False, start, calls
        return None, start + timedelta(seconds=rng.uniform(30, 90)), 3

    def _attempt(self, checkin_id: int, patient_id: int, kind: str, channel: str,
                 at: datetime, outcome: str) -> None:
        if at <= self.end:
            rows = self.rows
            rows.add("contact_attempt", (rows.new_id("contact_attempt"), checkin_id, patient_id,
                                         kind, channel, rows.time(at), outcome))

    def _conversation(self, person: Person, stay: Stay, episode: Episode, checkin_id: int,
                      channel: str, start: datetime, replying: bool, row: list[object],
                      problems: list[datetime]) -> Outcome:
        rng, rows, end = self.rng, self.rows, self.end
        conversation_id = rows.new_id("conversation")
        first_reply, reminded = None, None
        if replying:
            if channel == "voice":
                first_reply = start + timedelta(seconds=rng.uniform(5, 15))
            elif rng.random() < 0.86:
                first_reply = start + timedelta(minutes=18 * rng.lognormvariate(0, 1.2))
                first_reply = min(first_reply, start + REMINDER_AFTER - timedelta(minutes=5))
            else:
                reminded = start + REMINDER_AFTER
                first_reply = reminded + timedelta(minutes=80 * rng.lognormvariate(0, 1.0))
        elif channel == "sms":
            reminded = start + REMINDER_AFTER
        fate = pick(rng, FATES) if replying else "silent"
        stop_after = rng.randint(1, 9) if fate == "expired" else \
            int(rng.expovariate(0.4)) if fate == "opted_out" else -1
        talk = self.talker.converse(stay, conversation_id, channel, start, first_reply, fate,
                                    stop_after, end)
        if reminded is not None and reminded <= end and (first_reply is None
                                                         or first_reply > reminded):
            row[12] = rows.time(reminded)
            self._attempt(checkin_id, person.id, "reminder", "sms", reminded, "delivered")
            self.talker._out(stay, conversation_id, "sms", "reminder", reminded)
        status = self._status(talk, replying)
        if fate == "silent" and reminded is not None and reminded + GIVE_UP_AFTER <= end:
            talk.state, talk.stopped_at = "expired", stay.flow.first_question
            talk.ended_at = reminded + GIVE_UP_AFTER
            status = "unreachable"
            talk.alerts.append(RaisedAlert("unreachable", "routine",
                                           "Not reached by SMS after 2 attempts; please call",
                                           None, talk.ended_at, {"raw": "(no reply)"}))
        t = rows.time
        rows.add("conversation", (conversation_id, checkin_id, person.id, talk.state,
                                  talk.clarifications, 0, 0, talk.stopped_at, t(start),
                                  t(talk.last_activity), t(talk.ended_at)))
        if talk.state == "opted_out" and talk.ended_at is not None:
            self.opted_out[person.id] = talk.ended_at
            self.people.opt_out(person.id, talk.ended_at)
            talk.alerts.append(RaisedAlert("opted_out", "routine",
                                           "Patient opted out: no more automated check-ins",
                                           talk.stopped_at, talk.ended_at, {"raw": "STOP"}))
        for raised in talk.alerts:
            if raised.at <= end:
                self.care.alert(episode, conversation_id, raised)
                if raised.reason != "opted_out":
                    problems.append(raised.at)
        return Outcome(status, talk.ended_at, talk.replied_at is not None)

    @staticmethod
    def _status(talk: Talk, replying: bool) -> str:
        if talk.ended_at is None:
            return "in_progress" if talk.replied_at is not None else "sent"
        return talk.state




def day_weights(first: date, days: int, calendar: BusinessCalendar,
                seed: int) -> list[float]:
    """Discharges per day: fewer at weekends and on holidays, more in winter, and a little
    noise week to week."""
    import math

    rng = random.Random(seed * 7919)
    by_weekday = (1.0, 1.05, 1.05, 1.1, 1.25, 0.6, 0.5)
    weekly = [1 + rng.uniform(-0.08, 0.08) for _ in range(days // 7 + 2)]
    weights = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        season = 1 + 0.12 * math.cos(2 * math.pi * (day.timetuple().tm_yday - 15) / 365)
        holiday = 0.5 if calendar.is_holiday(day) else 1.0
        weights.append(by_weekday[day.weekday()] * season * holiday * weekly[offset // 7])
    return weights
