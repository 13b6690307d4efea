"""Admins edit flows without a programmer and cannot publish a broken one; a change goes live
only when a second admin signs it off."""

from __future__ import annotations

from sqlalchemy import select

from assistant.foundation.config import PROJECT_ROOT
from assistant.records.care_records import FlowProposal
from assistant.records.models import CheckIn, FlowVersion
from tests.conftest import csrf_token, signed_in_client
from tests.helpers import enroll_patient

GENERAL = (PROJECT_ROOT / "flows" / "general.yaml").read_text()


def admin(services):  # type: ignore[no-untyped-def]
    return signed_in_client(services, "ada", role="admin")


def post_flow(client, text: str, action: str, note: str = ""):  # type: ignore[no-untyped-def]
    return client.post("/admin/flows/general", data={
        "source": text, "action": action, "note": note,
        "csrf_token": csrf_token(client, "/admin/flows/general")})


def publish(services, client, text: str):  # type: ignore[no-untyped-def]
    """Propose `text` as `client`'s admin, then sign it off as a second admin ("bo")."""
    proposed = post_flow(client, text, "propose")
    assert "Proposed for publication" in proposed.get_data(as_text=True)
    with services.sessions() as session:
        proposal = session.scalars(select(FlowProposal).where(
            FlowProposal.status == "pending")).one()
    second = signed_in_client(services, "bo", role="admin")
    return second.post(f"/admin/flows/general/proposals/{proposal.id}/sign-off", data={
        "csrf_token": csrf_token(second, "/admin/flows/general")})


def test_a_coordinator_cannot_reach_the_admin_pages_or_publish(services) -> None:
    client = signed_in_client(services, "nora", role="coordinator")
    assert client.get("/admin/flows").status_code == 403
    assert client.post("/admin/flows/general", data={"source": GENERAL, "action": "propose"}
                       ).status_code in (400, 403)
    with services.sessions() as session:
        assert session.scalars(select(FlowVersion)).all() == []


def test_the_flow_list_shows_each_flow_with_its_call_length(services) -> None:
    page = admin(services).get("/admin/flows").get_data(as_text=True)
    for flow_id in ("general", "heart_failure", "copd", "pneumonia", "post_surgery",
                    "diabetes"):
        assert flow_id in page
    assert "by phone" in page


def test_an_error_is_shown_at_its_line_and_nothing_is_published(services) -> None:
    client = admin(services)
    broken = GENERAL.replace("  - id: chest_pain\n    kind: yes_no\n",
                             "  - id: chest_pain\n    kind: yes_or_no\n")
    line = broken.splitlines().index("    kind: yes_or_no") + 1
    response = post_flow(client, broken, "propose")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f">line {line}</a>: question &#39;chest_pain&#39;: kind &#39;yes_or_no&#39;" in page
    assert "yes_or_no" in page  # the draft is kept in the editor
    assert f'data-error-lines="{line}"' in page  # for the editor to mark the line
    with services.sessions() as session:
        assert session.scalars(select(FlowVersion)).all() == []
        assert session.scalars(select(FlowProposal)).all() == []


def test_a_draft_whose_tests_fail_cannot_be_published(services) -> None:
    client = admin(services)
    lenient = GENERAL.replace("    severity: emergency\n    say: emergency_911\n"
                              "    summary: Chest pain or pressure",
                              "    severity: urgent\n    say: nurse_today\n"
                              "    summary: Chest pain or pressure", 1)
    response = post_flow(client, lenient, "propose")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Test conversations that failed" in page
    assert "chest pain is an emergency" in page
    with services.sessions() as session:
        assert session.scalars(select(FlowVersion)).all() == []
        assert session.scalars(select(FlowProposal)).all() == []


def test_publishing_makes_a_new_version_that_only_new_checkins_use(services) -> None:
    first_episode = enroll_patient(services)  # on the file's version
    client = admin(services)
    edited = GENERAL.replace("title: General post-discharge check-in",
                             "title: General post-discharge check-in (edited)")
    checked = post_flow(client, edited, "check").get_data(as_text=True)
    assert "The flow is valid." in checked and "+title: General post-discharge check-in " \
        "(edited)" in checked  # the diff against the version in force
    page = publish(services, client, edited).get_data(as_text=True)
    assert "Signed off and published as version 2" in page
    second_episode = enroll_patient(services, phone="+12015550124", name="Bo Diaz")
    with services.sessions() as session:
        versions = {c.episode_id: c.flow_version.version
                    for c in session.scalars(select(CheckIn))}
        latest = session.scalars(select(FlowVersion).order_by(FlowVersion.version.desc())
                                 ).first()
    assert versions[first_episode] == 1 and versions[second_episode] == 2
    assert (latest.origin, latest.published_by) == ("editor",
                                                    "proposed by ada, signed off by bo")
    assert "(edited)" in client.get("/admin/flows/general").get_data(as_text=True)


def test_try_a_reply_shows_the_interpretation(services) -> None:
    client = admin(services)
    response = client.post("/admin/try", data={
        "kind": "number", "text": "38.5 C", "unit": "F", "lang": "en",
        "csrf_token": csrf_token(client, "/admin/try")})
    page = response.get_data(as_text=True)
    assert "&#34;value&#34;: 101.3" in page and "&#34;unit&#34;: &#34;F&#34;" in page


def test_admins_manage_the_care_team(services) -> None:
    client = admin(services)
    token = csrf_token(client, "/admin/users")
    added = client.post("/admin/users", data={
        "username": "ben", "name": "Ben Okafor", "role": "coordinator", "phone": "201-555-0151",
        "on_call": "Mon-Fri 08:00-17:00", "password": "a long enough password",
        "csrf_token": token})
    assert added.status_code == 302
    bad = client.post("/admin/users", data={"username": "cy", "name": "Cy", "phone": "12",
                                            "csrf_token": token})
    assert bad.status_code == 400 and "phone &#39;12&#39;" in bad.get_data(as_text=True)
    client.post("/admin/users/ada/backup", data={"backup": "ben", "csrf_token": token})
    client.post("/admin/users/ben/deactivate", data={"csrf_token": token})
    page = client.get("/admin/users").get_data(as_text=True)
    assert "+12015550151" in page and "inactive" in page
    from assistant.records.models import User

    with services.sessions() as session:
        ada = session.scalars(select(User).where(User.username == "ada")).one()
        assert ada.backup.username == "ben"


def test_a_flow_carries_its_own_wording_in_each_language(services, phone) -> None:
    from tests.helpers import DOB_REPLY, start_checkin

    client = admin(services)
    own = GENERAL + ('\nprompts:\n'
                     '  en:\n'
                     '    chest_pain: "Any pain, pressure or tightness in your chest? '
                     'Reply YES or NO."\n')
    assert "published as version 1" in publish(services, client, own).get_data(as_text=True)
    start_checkin(services)
    phone.text(DOB_REPLY)
    assert phone.text("same") == [
        "Any pain, pressure or tightness in your chest? Reply YES or NO."]


def test_a_mistake_in_a_flows_own_wording_is_shown_at_its_line(services) -> None:
    client = admin(services)
    own = GENERAL + '\nprompts:\n  es:\n    chest_pain: {sms: "¿Dolor?", fax: "x"}\n'
    line = own.splitlines().index('    chest_pain: {sms: "¿Dolor?", fax: "x"}') + 1
    page = post_flow(client, own, "check").get_data(as_text=True)
    assert (f">line {line}</a>: prompt &#39;chest_pain&#39;: unknown variant(s) "
            "[&#39;fax&#39;]") in page
