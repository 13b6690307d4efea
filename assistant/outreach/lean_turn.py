"""The SMS turn's hot path: a patient's answer in an open conversation, loaded and stored lean.

Why it exists: a reply in a check-in is the request Carecall serves most, and the ORM's
general machinery (a joined load building objects through the identity map, lazy loads of
the answers and visits, a flush to claim the message) was two thirds of its cost
(docs/PERFORMANCE.md). Here the turn reads everything it needs in ONE prebuilt Core
statement (the conversation with its patient, check-in, episode and the caregiver
answering, and as JSON its answers, medicines and visits), builds the same mapped objects
from that row and hands them to the session as already loaded (no SELECT), claims the
message's SID with a prebuilt INSERT, then lets the dialogue run unchanged: the rules, the
wording and the safety net have one implementation. What the turn changes is written by
the one flush at commit; anything the row did not carry is still loaded on demand.

What it must keep equal to the ORM path (`inbound.take_turn`): the replies, and every row
written (the inbound message, answers, alerts, the conversation, the check-in, the replies,
the outbox). tests/test_lean_turn.py runs both on the same conversations and compares every
stored row. A text that is not an answer in an open conversation (no conversation, a
coordinator's phone, "ACK 12") is not taken here: the caller goes the ORM path.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Select,
    Table,
    bindparam,
    func,
    insert,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import instance_state, set_committed_value
from sqlalchemy.orm.exc import DetachedInstanceError
from sqlalchemy.sql.elements import ColumnElement

from assistant.conversation.chart import END_STATES
from assistant.foundation.sms_length import segments
from assistant.outreach.outage import InboundSms
from assistant.records.care_records import Caregiver
from assistant.records.models import (
    Answer,
    Appointment,
    Base,
    CheckIn,
    Conversation,
    Episode,
    Medication,
    Message,
    Patient,
)

if TYPE_CHECKING:
    from assistant.services import Services

CONVERSATION, PATIENT, CHECKIN = Conversation.__table__, Patient.__table__, CheckIn.__table__
EPISODE, CAREGIVER, MESSAGE = Episode.__table__, Caregiver.__table__, Message.__table__
ANSWER, MEDICATION, APPOINTMENT = Answer.__table__, Medication.__table__, Appointment.__table__
# The collections a turn reads, each with the key the ORM relationship orders it by.
COLLECTIONS: dict[str, tuple[type[Base], Callable[[Any], Any]]] = {
    "answers": (Answer, lambda a: a.id),
    "medications": (Medication, lambda m: m.id),
    "appointments": (Appointment, lambda a: (a.starts_at, a.id)),
}
PARENTS = {"conversation": Conversation, "patient": Patient, "checkin": CheckIn,
           "episode": Episode, "respondent": Caregiver}


class NotLean(Exception):
    """The turn did something the hot path does not write (it changed which row an object
    points to): the caller takes the turn again on the ORM path."""


# What sends a turn back to the ORM path: the row did not carry something the turn read, or
# the turn changed something the hot path does not write.
NOT_LEAN = (NotLean, DetachedInstanceError)


class LeanTurns:
    """The prebuilt statements of the hot path, for one database's dialect."""

    def __init__(self, dialect: Dialect) -> None:
        self.find = _find_statement(dialect.name)
        self.add_message = insert(MESSAGE)
        self.add_answer = insert(ANSWER)
        self.updates: dict[tuple[str, frozenset[str]], Any] = {}
        # The order the ORM's flush writes tables in (a row before those referring to it):
        # every writer locking rows in one order is what keeps PostgreSQL from a deadlock
        # (the reminder job locks a check-in, then its conversation through 0020's trigger).
        self.order = {table: n for n, table in enumerate(Base.metadata.sorted_tables)}

    def take(self, services: Services, session: Session, sms: InboundSms, phone: str,
             now: datetime) -> list[str] | None:
        """The turn's replies, stored with everything the turn changed; None when the text
        is not an answer in an open conversation (the caller takes the ORM path). Raises
        NotLean or DetachedInstanceError (something the row did not carry) for the caller
        to roll back and take the turn on the ORM path."""
        connection = session.connection()
        row = connection.execute(self.find, {"phone": phone}).mappings().first()
        if row is None:
            return None
        conversation, loaded = _objects(row)
        # The flow is parsed once per process: the first turn on a version reads it here.
        services.versions.flow_by_id(session, conversation.checkin.flow_version_id)
        asked = conversation.state if conversation.state not in END_STATES else None
        values = {
            "direction": "in", "channel": "sms", "from_number": sms.from_number,
            "to_number": sms.to_number, "body": sms.body, "provider_sid": sms.sid,
            "status": "received", "created_at": now, "raw": sms.raw,
            "patient_id": conversation.patient_id, "conversation_id": conversation.id,
            # What `Dialogue.reply` records on the message, written with it, so no UPDATE
            # follows unless the reply turns out unreadable.
            "question_id": asked, "unclear": False if asked is not None else None,
        }
        # Claims the SID: a concurrent delivery of the same message waits here, then fails.
        message_id = connection.execute(self.add_message, values).inserted_primary_key[0]
        inbound = _loaded(Message, {column.key: None for column in MESSAGE.columns}
                          | values | {"id": message_id})
        replies = services.dialogue.reply(session, conversation, sms.body, inbound, "sms",
                                          now).replies
        self._write_changes(connection, [*loaded, inbound], conversation)
        if replies:
            connection.execute(self.add_message, [
                {"direction": "out", "channel": "sms", "from_number": sms.to_number,
                 "to_number": sms.from_number, "body": text, "status": "sent",
                 "reply_to_id": message_id, "created_at": now,
                 "patient_id": conversation.patient_id, "conversation_id": conversation.id,
                 "segments": segments(text)} for text in replies])
        return replies

    def _update(self, table: Table, columns: frozenset[str]) -> Any:
        """The UPDATE of these columns of a row, built once (a turn changes the same few)."""
        key = (table.name, columns)
        statement = self.updates.get(key)
        if statement is None:
            statement = (update(table).where(table.c.id == bindparam("_row"))
                         .values({name: bindparam(name) for name in columns}))
            self.updates[key] = statement
        return statement

    def _write_changes(self, connection: Connection, loaded: list[Any],
                       conversation: Conversation) -> None:
        """What the turn changed on the objects it was given: an UPDATE of the columns it
        set, per row, in the flush's order of tables; each new answer inserted."""
        for instance in sorted(loaded, key=lambda row: self.order[row.__table__]):
            state = instance_state(instance)
            changed = {}
            for key, before in state.committed_state.items():
                if key not in state.mapper.column_attrs:
                    if key == "answers" and instance is conversation:
                        continue  # new answers are inserted below
                    raise NotLean(f"{type(instance).__name__}.{key} was changed")
                now_value = state.dict.get(key)
                if now_value != before:
                    changed[key] = now_value
            if changed:
                table = state.mapper.local_table
                connection.execute(self._update(table, frozenset(changed)),
                                   {**changed, "_row": instance.id})
        for answer in conversation.answers:
            if instance_state(answer).key is None:  # recorded in this turn
                # What the turn set; the columns' own defaults for the rest, as the ORM does.
                values = {column.key: answer.__dict__[column.key] for column in ANSWER.columns
                          if column.key in answer.__dict__ and column.key != "id"}
                values["conversation_id"] = conversation.id
                answer.id = connection.execute(self.add_answer,
                                               values).inserted_primary_key[0]


def _objects(row: Mapping[str, Any]) -> tuple[Conversation, list[Any]]:
    """The row's objects, as if a session had loaded them (detached: anything the row did
    not carry raises instead of being loaded), and all of them in a list."""
    found: dict[str, Any] = {}
    for prefix, model in PARENTS.items():
        values = _typed(model.__table__, _decoded(row[prefix]))
        found[prefix] = _loaded(model, values) if values["id"] is not None else None
    conversation, checkin, episode = found["conversation"], found["checkin"], found["episode"]
    loaded = [value for value in found.values() if value is not None]
    for name, (model, order) in COLLECTIONS.items():
        items = [_loaded(model, _typed(model.__table__, item)) for item in
                 _decoded(row[name]) or []]  # NULL: PostgreSQL's json_agg over no rows
        items.sort(key=order)
        owner, back = (conversation, "conversation") if name == "answers" else (episode,
                                                                                  "episode")
        set_committed_value(owner, name, items)
        for item in items:
            set_committed_value(item, back, owner)
        loaded += items
    set_committed_value(conversation, "checkin", checkin)
    set_committed_value(conversation, "patient", found["patient"])
    set_committed_value(conversation, "respondent", found["respondent"])
    set_committed_value(checkin, "conversation", conversation)
    set_committed_value(checkin, "episode", episode)
    set_committed_value(episode, "patient", found["patient"])
    return conversation, loaded


def _loaded(model: type[Base], values: dict[str, Any]) -> Any:
    """A mapped object holding `values` as loaded (no history), attached by the caller."""
    instance = model.__mapper__.class_manager.new_instance()
    instance.__dict__.update(values)
    make_transient_to_detached(instance)
    return instance


def _decoded(value: Any) -> Any:
    """JSON as the database returned it: text (SQLite) or already decoded (psycopg)."""
    return json.loads(value) if isinstance(value, str) else value


def _typed(table: Table, item: dict[str, Any]) -> dict[str, Any]:
    """A row decoded from JSON: dates and booleans back to Python's types (JSON columns
    arrive decoded: they were embedded as JSON, not as strings)."""
    typed = {}
    for column in table.columns:
        value = item.get(column.name)
        if value is not None:
            kind = column.type
            if isinstance(kind, DateTime):
                value = datetime.fromisoformat(value)
            elif isinstance(kind, Date):
                value = date.fromisoformat(value)
            elif isinstance(kind, Boolean):
                value = bool(value)
        typed[column.key] = value
    return typed


def _find_statement(dialect: str) -> Select[Any]:
    """The open conversation on a phone (the patient's own, or the phone of the caregiver
    answering for them), latest first, with everything a turn reads."""
    phone = bindparam("phone")
    # Each row as one JSON object: eight columns for the driver to describe and convert,
    # not seventy (a wide row cost more than the rest of the statement).
    columns: list[ColumnElement[Any]] = [
        _json_object(dialect, model.__table__).label(prefix)
        for prefix, model in PARENTS.items()]
    columns += [
        _json_rows(dialect, ANSWER, ANSWER.c.conversation_id == CONVERSATION.c.id)
        .label("answers"),
        _json_rows(dialect, MEDICATION, MEDICATION.c.episode_id == EPISODE.c.id)
        .label("medications"),
        _json_rows(dialect, APPOINTMENT, APPOINTMENT.c.episode_id == EPISODE.c.id)
        .label("appointments"),
    ]
    # Two index look-ups, not a scan of every conversation: the phone's patients, and the
    # caregivers who answer for a patient from it.
    patients = select(PATIENT.c.id).where(PATIENT.c.phone == phone)
    answering = select(CAREGIVER.c.id).where(
        CAREGIVER.c.phone == phone, CAREGIVER.c.active.is_(True),
        CAREGIVER.c.consent.is_(True), CAREGIVER.c.is_proxy.is_(True))
    return (
        select(*columns)
        .select_from(CONVERSATION.join(PATIENT, CONVERSATION.c.patient_id == PATIENT.c.id)
                     .join(CHECKIN, CONVERSATION.c.checkin_id == CHECKIN.c.id)
                     .join(EPISODE, CHECKIN.c.episode_id == EPISODE.c.id)
                     .outerjoin(CAREGIVER, CONVERSATION.c.respondent_id == CAREGIVER.c.id))
        .where(or_(CONVERSATION.c.patient_id.in_(patients),
                   CONVERSATION.c.respondent_id.in_(answering)),
               CONVERSATION.c.ended_at.is_(None))
        .order_by(CONVERSATION.c.last_activity_at.desc(), CONVERSATION.c.id.desc())
        .limit(1)
    )


def _json_rows(dialect: str, table: Table, where: ColumnElement[bool]) -> Any:
    """A correlated subquery: the matching rows of `table` as one JSON array, so that a
    single statement carries the turn's collections (their order is restored in Python)."""
    one = _json_object(dialect, table)
    rows = func.json_agg(one) if dialect == "postgresql" else func.json_group_array(one)
    return select(rows).where(where).scalar_subquery()


def _json_object(dialect: str, table: Table) -> Any:
    """A row of `table` as a JSON object keyed by column name."""
    pairs: list[Any] = []
    for column in table.columns:
        value: Any = column
        if isinstance(column.type, JSON) and dialect != "postgresql":
            value = func.json(column)  # stored as text: embed it as JSON, not as a string
        pairs += [literal_column(f"'{column.name}'"), value]  # a column's name: no bind
    if dialect == "postgresql":
        return func.json_build_object(*pairs)
    return func.json_object(*pairs)
