"""One row per discharge in the report's scope with what became of it, as a SQL subquery:
reached or not (and how), first contact, opt-out, TCM contact, readmission within 30 days.

Every figure of reach, speed and outcome is an aggregate over this subquery, and the
analysts' export is this subquery row by row, so the page, the CLI and the CSV count the same
things the same way. Each part is a GROUP BY over the cohort's rows (never a query per
discharge): the database does the work, in one statement, whatever the number of
discharges."""

from __future__ import annotations

from sqlalchemy import CTE, ColumnElement, Subquery, and_, case, exists, func, literal, or_, select
from sqlalchemy.orm import aliased

from assistant.records.care_records import TcmRecord
from assistant.records.interfaces import Readmission
from assistant.records.models import CheckIn, ContactAttempt, Conversation, Episode, Message

# A check-in that reached the patient: they answered it through (completed), or their answers
# brought a person in (handed over to a nurse).
REACHED_STATUSES = ("completed", "handed_over")
# A transient failure that the sender tries again: the retry is the attempt, not this.
NOT_AN_ATTEMPT = ("retry",)
READMISSION_DAYS = 30


def reached_checkin() -> ColumnElement[bool]:
    """A check-in that reached the patient (`REACHED_STATUSES`); one handed over only if a
    reply in it could be read: a phone's automatic reply ("I'm driving...") fails the date of
    birth twice and goes to a nurse without anyone having been reached."""
    read_reply = exists().where(Conversation.checkin_id == CheckIn.id,
                                Message.conversation_id == Conversation.id,
                                Message.direction == "in", Message.unclear.is_not(True))
    return or_(CheckIn.status == REACHED_STATUSES[0],
               and_(CheckIn.status == REACHED_STATUSES[1], read_reply))


def episode_facts(cohort: CTE) -> Subquery:
    """`cohort`: `ReportScope.cohort()`. Columns: episode_id, flow, language, discharged_at,
    tcm_deadline, reached (0/1), reached_at, reach_channel (sms | voice | fallback),
    attempts_to_reach, first_attempt_at, first_reply_at, opted_out (0/1),
    tcm_first_contact_at, readmitted_30 (0/1)."""
    reached = (select(CheckIn.episode_id, func.min(CheckIn.ended_at).label("reached_at"))
               .join(cohort, cohort.c.episode_id == CheckIn.episode_id)
               .where(reached_checkin())
               .group_by(CheckIn.episode_id).cte("reached"))
    attempts = (select(CheckIn.episode_id,
                       func.min(ContactAttempt.started_at).label("first_attempt_at"),
                       func.sum(case((ContactAttempt.started_at <= reached.c.reached_at, 1),
                                     else_=0)).label("attempts_to_reach"))
                .join(CheckIn, CheckIn.id == ContactAttempt.checkin_id)
                .join(cohort, cohort.c.episode_id == CheckIn.episode_id)
                .outerjoin(reached, reached.c.episode_id == CheckIn.episode_id)
                .where(ContactAttempt.outcome.not_in(NOT_AN_ATTEMPT))
                .group_by(CheckIn.episode_id).subquery("attempts"))
    replies = (select(CheckIn.episode_id, func.min(Message.created_at).label("first_reply_at"))
               .join(Conversation, Conversation.id == Message.conversation_id)
               .join(CheckIn, CheckIn.id == Conversation.checkin_id)
               .join(cohort, cohort.c.episode_id == CheckIn.episode_id)
               .where(Message.direction == "in")
               .group_by(CheckIn.episode_id).subquery("replies"))
    opted = (select(CheckIn.episode_id)
             .join(cohort, cohort.c.episode_id == CheckIn.episode_id)
             .where(or_(CheckIn.status == "opted_out", CheckIn.cancel_reason == "opted_out"))
             .group_by(CheckIn.episode_id).subquery("opted"))
    readmitted = (select(Readmission.index_episode_id.label("episode_id"))
                  .join(cohort, cohort.c.episode_id == Readmission.index_episode_id)
                  .where(Readmission.days_after_discharge <= READMISSION_DAYS)
                  .group_by(Readmission.index_episode_id).subquery("readmitted"))
    channel = _reach_channel(cohort)
    return (
        select(
            cohort.c.episode_id, cohort.c.flow, cohort.c.language,
            Episode.discharged_at, Episode.tcm_deadline,
            case((reached.c.reached_at.is_not(None), 1), else_=0).label("reached"),
            reached.c.reached_at,
            channel.c.reach_channel,
            attempts.c.attempts_to_reach,
            attempts.c.first_attempt_at,
            replies.c.first_reply_at,
            case((opted.c.episode_id.is_not(None), 1), else_=0).label("opted_out"),
            TcmRecord.first_contact_at.label("tcm_first_contact_at"),
            case((readmitted.c.episode_id.is_not(None), 1), else_=0).label("readmitted_30"),
        )
        .join(Episode, Episode.id == cohort.c.episode_id)
        .outerjoin(reached, reached.c.episode_id == cohort.c.episode_id)
        .outerjoin(attempts, attempts.c.episode_id == cohort.c.episode_id)
        .outerjoin(replies, replies.c.episode_id == cohort.c.episode_id)
        .outerjoin(opted, opted.c.episode_id == cohort.c.episode_id)
        .outerjoin(readmitted, readmitted.c.episode_id == cohort.c.episode_id)
        .outerjoin(channel, channel.c.episode_id == cohort.c.episode_id)
        .outerjoin(TcmRecord, TcmRecord.episode_id == cohort.c.episode_id)
        .subquery("facts")
    )


def _reach_channel(cohort: CTE) -> Subquery:
    """The channel of the first check-in that reached the patient; "fallback" when that
    check-in had first been tried on another channel (a call unanswered, then a text)."""
    other = aliased(ContactAttempt)
    switched = exists().where(and_(other.checkin_id == CheckIn.id,
                                   other.channel != CheckIn.channel))
    ranked = (select(CheckIn.episode_id,
                     case((switched, literal("fallback")), else_=CheckIn.channel)
                     .label("reach_channel"),
                     func.row_number().over(partition_by=CheckIn.episode_id,
                                            order_by=(CheckIn.ended_at, CheckIn.id))
                     .label("rank"))
              .join(cohort, cohort.c.episode_id == CheckIn.episode_id)
              .where(reached_checkin()).subquery("ranked"))
    # One row per episode already; the GROUP BY is for SQLite, which otherwise flattens this
    # into the outer query and scans every ranked row for each discharge (a year of 20,000
    # discharges took 269 s). Grouped, it is materialised once and searched by an index.
    return (select(ranked.c.episode_id, func.min(ranked.c.reach_channel).label("reach_channel"))
            .where(ranked.c.rank == 1).group_by(ranked.c.episode_id).subquery("first_reach"))
