"""A flow changed in the app goes live only on a second admin's clinical sign-off: the proposer
cannot sign their own change, a newer proposal replaces an older one, every check runs again
at sign-off, and each step is in the audit log."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from assistant.authoring.flow_signoff import (
    SignOffRefused,
    pending,
    propose,
    send_back,
    sign_off,
)
from assistant.foundation.config import PROJECT_ROOT
from assistant.records.audit import events
from assistant.records.care_records import FlowProposal
from assistant.records.models import FlowVersion
from tests.conftest import csrf_token, signed_in_client

GENERAL = (PROJECT_ROOT / "flows" / "general.yaml").read_text()
EDITED = GENERAL.replace("title: General post-discharge check-in",
                         "title: General post-discharge check-in (reviewed)")
# Chest pain downgraded from an emergency: the flow's own test conversations catch it.
LENIENT = EDITED.replace("    severity: emergency\n    say: emergency_911\n"
                         "    summary: Chest pain or pressure",
                         "    severity: urgent\n    say: nurse_today\n"
                         "    summary: Chest pain or pressure", 1)


@pytest.fixture
def admins(services):  # type: ignore[no-untyped-def]
    """Two admins, signed in: ada proposes, bo signs off."""
    return signed_in_client(services, "ada", role="admin"), signed_in_client(services, "bo",
                                                                             role="admin")


def flow_lines(services) -> list[tuple[str, str, str, str | None]]:  # type: ignore[no-untyped-def]
    with services.sessions() as session:
        return [(e.actor, e.action, e.subject_id, e.detail) for e in events(session)
                if e.subject == "flow"]


def test_a_proposal_waits_for_a_second_admin_who_publishes_it_with_both_names(
        services, admins, clock) -> None:
    result, proposal = propose(services, "general", EDITED, "ada", "  Clearer title  ")
    assert result.ok and proposal is not None
    assert (proposal.status, proposal.note) == ("pending", "Clearer title")
    with services.sessions() as session:  # nothing went live
        assert session.scalars(select(FlowVersion)).all() == []
    clock.advance(hours=2)
    _, _, version = sign_off(services, "general", proposal.id, "bo")
    assert version is not None and version.version == 1
    assert version.published_by == "proposed by ada, signed off by bo"
    with services.sessions() as session:
        decided = session.get(FlowProposal, proposal.id)
        assert (decided.status, decided.decided_by, decided.decided_at,
                decided.flow_version_id) == ("published", "bo", clock.now, version.id)
        in_force = services.versions.latest(session, "general")
        assert (in_force.id, in_force.source_text) == (version.id, EDITED)
    assert flow_lines(services) == [
        ("ada", "proposed", f"general proposal {proposal.id}", "Clearer title"),
        ("bo", "published", "general v1", f"editor {version.checksum[:12]}"),
        ("bo", "signed_off", f"general proposal {proposal.id}", "v1, proposed by ada")]


def test_the_proposer_cannot_sign_off_their_own_change(services, admins) -> None:
    ada, _ = admins
    _, proposal = propose(services, "general", EDITED, "ada")
    with pytest.raises(SignOffRefused) as refused:
        sign_off(services, "general", proposal.id, "ada")
    assert refused.value.status == 403
    page = ada.post(f"/admin/flows/general/proposals/{proposal.id}/sign-off",
                    data={"csrf_token": csrf_token(ada, "/admin/flows/general")})
    assert page.status_code == 403
    assert "You proposed this change: a second admin must sign it off." in page.get_data(
        as_text=True)
    with services.sessions() as session:
        assert session.get(FlowProposal, proposal.id).status == "pending"
        assert session.scalars(select(FlowVersion)).all() == []


def test_only_an_admin_may_sign_off(services, admins) -> None:
    nora = signed_in_client(services, "nora", role="coordinator")
    _, proposal = propose(services, "general", EDITED, "ada")
    with pytest.raises(SignOffRefused) as refused:
        sign_off(services, "general", proposal.id, "nora")
    assert refused.value.status == 403
    assert nora.post(f"/admin/flows/general/proposals/{proposal.id}/sign-off",
                     data={"csrf_token": csrf_token(nora, "/")}).status_code == 403


def test_a_newer_proposal_supersedes_the_one_still_waiting(services, admins) -> None:
    _, first = propose(services, "general", EDITED, "ada")
    _, second = propose(services, "general", EDITED.replace("(reviewed)", "(v2)"), "bo")
    with services.sessions() as session:
        statuses = {p.id: p.status for p in session.scalars(select(FlowProposal))}
    assert statuses == {first.id: "superseded", second.id: "pending"}
    assert [p.proposal.id for p in pending(services)] == [second.id]
    with pytest.raises(SignOffRefused) as refused:
        sign_off(services, "general", first.id, "bo")
    assert refused.value.status == 409 and "superseded" in str(refused.value)
    assert ("bo", "superseded", f"general proposal {first.id}", "by a newer proposal"
            ) in flow_lines(services)


def test_every_check_runs_again_at_sign_off(services, admins) -> None:
    _, proposal = propose(services, "general", EDITED, "ada")
    with services.sessions() as session, session.begin():  # the stored text changed since
        session.execute(update(FlowProposal).where(FlowProposal.id == proposal.id)
                        .values(source_text=LENIENT))
    result, _, version = sign_off(services, "general", proposal.id, "bo")
    assert version is None
    assert "chest pain is an emergency" in result.failures[0].name
    with services.sessions() as session:
        assert session.get(FlowProposal, proposal.id).status == "pending"
        assert session.scalars(select(FlowVersion)).all() == []


def test_a_draft_that_fails_its_checks_or_changes_nothing_is_not_proposed(services) -> None:
    result, proposal = propose(services, "general", LENIENT, "ada")
    assert proposal is None and result.failures
    with services.sessions() as session, session.begin():
        services.versions.publish(session, services.flows.get("general"), services.clock())
    result, proposal = propose(services, "general", GENERAL, "ada")
    assert proposal is None
    assert "already in force" in result.problems[0].problem
    with services.sessions() as session:
        assert session.scalars(select(FlowProposal)).all() == []


def test_a_proposal_sent_back_says_why_and_can_no_longer_be_signed_off(services, admins
                                                                      ) -> None:
    ada, bo = admins
    _, proposal = propose(services, "general", EDITED, "ada")
    with pytest.raises(SignOffRefused, match="Say why"):
        send_back(services, "general", proposal.id, "bo", "   ")
    token = csrf_token(bo, "/admin/flows/general")
    sent = bo.post(f"/admin/flows/general/proposals/{proposal.id}/send-back",
                   data={"reason": "Keep the old title until the leaflet is reprinted",
                         "csrf_token": token})
    assert sent.status_code == 303
    page = ada.get("/admin/flows/general").get_data(as_text=True)
    assert "was sent back by bo" in page
    assert "Keep the old title until the leaflet is reprinted" in page
    again = bo.post(f"/admin/flows/general/proposals/{proposal.id}/sign-off",
                    data={"csrf_token": token})
    assert again.status_code == 409 and "no longer waiting" in again.get_data(as_text=True)
    with services.sessions() as session:
        assert session.get(FlowProposal, proposal.id).status == "withdrawn"
    assert flow_lines(services)[-1] == (
        "bo", "sent_back", f"general proposal {proposal.id}",
        "Keep the old title until the leaflet is reprinted")


def test_the_pages_show_a_pending_proposal_with_its_changes(services, admins) -> None:
    ada, bo = admins
    propose(services, "general", EDITED, "ada", "Clearer title")
    listing = bo.get("/admin/flows").get_data(as_text=True)
    assert "Awaiting clinical sign-off" in listing and "Clearer title" in listing
    assert "+title: General post-discharge check-in (reviewed)" in listing
    own = ada.get("/admin/flows/general").get_data(as_text=True)
    assert "You proposed this change" in own and 'id="sign-off"' not in own
    theirs = bo.get("/admin/flows/general").get_data(as_text=True)
    assert 'id="sign-off"' in theirs
    assert "+title: General post-discharge check-in (reviewed)" in theirs
    assert bo.get("/admin/flows/copd").get_data(as_text=True).count("Awaiting clinical") == 0
