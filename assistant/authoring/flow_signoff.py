"""Four eyes on every flow an admin changes: one admin proposes a checked draft, a second admin
signs it off clinically and only then does it go live. Each step is in the audit log, and both
names stay on the published version.

A flow file from the repository is reviewed there and published by deployment
(`carecall flows publish`); this is the path for drafts written in the app."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from assistant.authoring.flow_editor import Check, diff, published_text, verify
from assistant.foundation.yamlsource import YamlError
from assistant.records.audit import record
from assistant.records.care_records import FlowProposal
from assistant.records.db import transaction
from assistant.records.models import AuditEvent, FlowVersion, User
from assistant.services import Services

PUBLISHED_BY_LENGTH = 100  # FlowVersion.published_by


class SignOffRefused(Exception):
    """A sign-off or send-back that must not happen; `status` is the HTTP status a page
    answers with (403 for the proposer signing their own change)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Pending:
    """A proposal waiting for a second admin, with what it would change."""

    proposal: FlowProposal
    diff: str
    stale: bool  # the version in force changed after it was proposed


def subject_id(proposal: FlowProposal) -> str:
    return f"{proposal.flow_id} proposal {proposal.id}"


def propose(services: Services, flow_id: str, text: str, actor: str,
            note: str | None = None) -> tuple[Check, FlowProposal | None]:
    """A pending proposal for `text`, if it passes every check and its test conversations.
    It supersedes any older proposal for the same flow still waiting."""
    result = verify(services, flow_id, text)
    if not result.ok:
        return result, None
    assert result.flow is not None
    now = services.clock()
    with transaction(services.sessions) as session:
        latest = services.versions.latest(session, flow_id)
        if latest is not None and latest.checksum == result.flow.checksum:
            result.problems.append(YamlError(f"{flow_id}.yaml", 0, "this is the version "
                                             "already in force: there is nothing to propose"))
            return result, None
        for older in session.scalars(_pending_query(flow_id)):
            older.status = "superseded"
            older.decided_at = now
            older.decided_by = actor
            record(session, actor=actor, action="superseded", subject="flow",
                   subject_id=subject_id(older), now=now, detail="by a newer proposal")
        proposal = FlowProposal(flow_id=flow_id, source_text=text,
                                checksum=result.flow.checksum, proposed_by=actor,
                                proposed_at=now, note=(note or "").strip() or None,
                                status="pending")
        session.add(proposal)
        session.flush()
        record(session, actor=actor, action="proposed", subject="flow",
               subject_id=subject_id(proposal), now=now, detail=proposal.note)
        session.expunge(proposal)
    return result, proposal


def sign_off(services: Services, flow_id: str, proposal_id: int, actor: str
             ) -> tuple[Check, FlowProposal, FlowVersion | None]:
    """Publish a pending proposal on a second admin's word, after running every check again
    on the proposed text (prompts or the checks may have changed since). A failing check
    leaves the proposal pending and says why."""
    proposal = _waiting(services, flow_id, proposal_id)
    if proposal.proposed_by == actor:
        raise SignOffRefused("You proposed this change: a second admin must sign it off.",
                             403)
    _require_admin(services, actor)
    _require_independent(services, actor, proposal)
    result = verify(services, proposal.flow_id, proposal.source_text)
    if not result.ok:
        return result, proposal, None
    assert result.flow is not None
    now = services.clock()
    with transaction(services.sessions) as session:
        latest = services.versions.latest(session, proposal.flow_id)
        if latest is not None and latest.checksum == result.flow.checksum:
            raise SignOffRefused("This text is already in force; send the proposal back.",
                                 409)
        _decide(session, proposal, "published", actor, now)
        version = services.versions.publish(session, result.flow, now, origin="editor",
                                            source_text=proposal.source_text, actor=actor)
        version.published_by = _both(proposal.proposed_by, actor)
        session.execute(update(FlowProposal).where(FlowProposal.id == proposal.id)
                        .values(flow_version_id=version.id))
        record(session, actor=actor, action="signed_off", subject="flow",
               subject_id=subject_id(proposal), now=now,
               detail=f"v{version.version}, proposed by {proposal.proposed_by}")
        session.flush()
        session.expunge(version)
    return result, proposal, version


def send_back(services: Services, flow_id: str, proposal_id: int, actor: str,
              reason: str) -> FlowProposal:
    """Withdraw a pending proposal with a reason the proposer will read. Any admin may,
    the proposer included (to take it back)."""
    reason = reason.strip()
    if not reason:
        raise SignOffRefused("Say why the proposal is sent back.")
    proposal = _waiting(services, flow_id, proposal_id)
    _require_admin(services, actor)
    now = services.clock()
    with transaction(services.sessions) as session:
        _decide(session, proposal, "withdrawn", actor, now)
        record(session, actor=actor, action="sent_back", subject="flow",
               subject_id=subject_id(proposal), now=now, detail=reason)
    return proposal


def pending(services: Services, flow_id: str | None = None) -> list[Pending]:
    """Proposals waiting for sign-off (of one flow, or all), oldest first, each with its
    diff against the text in force now."""
    with services.sessions() as session:
        proposals = list(session.scalars(_pending_query(flow_id)))
        latest = {p.flow_id: services.versions.latest(session, p.flow_id) for p in proposals}
        session.expunge_all()
    return [Pending(p, diff(published_text(services, p.flow_id), p.source_text, p.flow_id,
                            "proposed"),
                    stale=bool(latest[p.flow_id]
                               and latest[p.flow_id].published_at > p.proposed_at))
            for p in proposals]


def last_sent_back(services: Services, flow_id: str) -> tuple[FlowProposal, str] | None:
    """The flow's most recent proposal, if it was sent back, with the reason (kept in the
    audit log, the record of who decided what)."""
    with services.sessions() as session:
        last = session.scalar(select(FlowProposal).where(FlowProposal.flow_id == flow_id)
                              .order_by(FlowProposal.id.desc()).limit(1))
        if last is None or last.status != "withdrawn":
            return None
        reason = session.scalar(
            select(AuditEvent.detail).where(AuditEvent.subject == "flow",
                                            AuditEvent.action == "sent_back",
                                            AuditEvent.subject_id == subject_id(last))
            .order_by(AuditEvent.id.desc()).limit(1))
        session.expunge(last)
    return last, reason or ""


def _pending_query(flow_id: str | None):  # type: ignore[no-untyped-def]
    query = select(FlowProposal).where(FlowProposal.status == "pending")
    if flow_id is not None:
        query = query.where(FlowProposal.flow_id == flow_id)
    return query.order_by(FlowProposal.id)


def _waiting(services: Services, flow_id: str, proposal_id: int) -> FlowProposal:
    with services.sessions() as session:
        proposal = session.get(FlowProposal, proposal_id)
        if proposal is None or proposal.flow_id != flow_id:
            raise SignOffRefused(f"There is no proposal {proposal_id}.", 404)
        session.expunge(proposal)
    if proposal.status != "pending":
        raise SignOffRefused(f"Proposal {proposal_id} is no longer waiting (it was "
                             f"{proposal.status}).", 409)
    return proposal


def _require_admin(services: Services, username: str) -> None:
    with services.sessions() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None or user.role != "admin" or not user.active:
            raise SignOffRefused("Only an active admin may decide on a flow proposal.", 403)


def _require_independent(services: Services, username: str, proposal: FlowProposal) -> None:
    """A second admin is a second person: not an account the proposer made, or whose
    password or role the proposer set, nor one made after the proposal (which could be the
    proposer's own second account, made to sign off alone)."""
    with services.sessions() as session:
        user = session.scalars(select(User).where(User.username == username)).one()
        touched_by_proposer = session.scalar(select(AuditEvent.id).where(
            AuditEvent.subject == "user", AuditEvent.subject_id == str(user.id),
            AuditEvent.actor == proposal.proposed_by).limit(1))
        if touched_by_proposer is not None or user.created_at > proposal.proposed_at:
            raise SignOffRefused(
                "This account was made or changed by the admin who proposed the change (or made "
                "after it was proposed): the sign-off needs a second admin of its own.", 403)


def _decide(session: Session, proposal: FlowProposal, status: str, actor: str,
            now: datetime) -> None:
    """Close the proposal, only if it is still pending: of two admins deciding at once, the
    second is told it was already decided instead of publishing twice."""
    changed = session.execute(
        update(FlowProposal).where(FlowProposal.id == proposal.id,
                                   FlowProposal.status == "pending")
        .values(status=status, decided_by=actor, decided_at=now)).rowcount
    if not changed:
        raise SignOffRefused(f"Proposal {proposal.id} was decided by someone else just now.",
                             409)


def _both(proposer: str, signer: str) -> str:
    label = f"proposed by {proposer}, signed off by {signer}"
    if len(label) > PUBLISHED_BY_LENGTH:  # very long user names: keep both, shortened
        half = (PUBLISHED_BY_LENGTH - 3) // 2
        label = f"{proposer[:half]} + {signer[:half]}"
    return label
