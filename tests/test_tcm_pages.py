"""The TCM pages: the worklist, one discharge's record with its forms, the CSV export (web
and `carecall export tcm`), each view and change audited, bad input a 400 with the reason."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from assistant.care_team.tcm_export import COLUMNS
from assistant.records.models import AuditEvent
from carecall.cli import main
from tests.conftest import csrf_token, signed_in_client
from tests.helpers import enroll_patient


@pytest.fixture
def episodes(services) -> dict[str, int]:
    """Discharged today (deadline Friday, after Thanksgiving) and last Wednesday (deadline
    Friday 20th: overdue)."""
    return {"today": enroll_patient(services, days_ago=0),
            "overdue": enroll_patient(services, phone="+12015550124", name="Bea Okafor",
                                      days_ago=6)}


def audit(services, subject: str) -> list[tuple[str, str, str | None]]:
    with services.sessions() as session:
        return [(row.actor, row.action, row.detail) for row in session.scalars(
            select(AuditEvent).where(AuditEvent.subject == subject).order_by(AuditEvent.id))]


def post(client, path: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    return client.post(path, data={**data, "csrf_token": csrf_token(client, "/tcm")})


def test_the_worklist_lists_overdue_discharges_first(services, coordinator, episodes) -> None:
    page = coordinator.get("/tcm").get_data(as_text=True)
    assert page.index("Bea Okafor") < page.index("Alex Rivera")
    assert 'class="overdue-row"' in page and "Missed" in page
    assert "2026-11-27 23:59 EST" in page  # Alex's deadline, after the holiday
    assert "3 d 13 h left" in page
    assert "Automated check-in (does not count)" in page
    assert 'href="/patients/1"' in page and 'href="/tcm/1"' in page
    assert 'data-label="Face-to-face"' in page
    assert audit(services, "tcm_worklist")[0] == (
        "nora", "viewed", "2 discharges, open; patients 1, 2")


def test_the_worklist_filters_open_and_all(services, coordinator, episodes, clock) -> None:
    clock.advance(hours=1)
    for form, data in (("attempts", {"outcome": "reached", "at": "2026-11-24T10:30",
                                     "spoke_with": "patient"}),
                       ("face-to-face", {"face_to_face_on": "2026-11-24"}),
                       ("medication-review", {"medication_review_on": "2026-11-24",
                                              "by": "Sam Patel", "role": "pharmacist"})):
        assert post(coordinator, f"/tcm/{episodes['today']}/{form}", data).status_code == 303
    assert "Alex Rivera" not in coordinator.get("/tcm").get_data(as_text=True)
    assert "Alex Rivera" in coordinator.get("/tcm?show=all").get_data(as_text=True)
    response = coordinator.get("/tcm?show=closed")
    assert response.status_code == 400 and "show must be open or all" in response.get_data(
        as_text=True)


def test_a_nurse_logs_attempts_and_the_record_follows(services, coordinator, episodes,
                                                      clock) -> None:
    clock.advance(hours=3)
    path = f"/tcm/{episodes['today']}"
    page = coordinator.get(path).get_data(as_text=True)
    assert 'href="tel:+12015550123"' in page
    assert 'value="2026-11-24T13:00"' in page  # now, on the team's clock
    response = post(coordinator, path + "/attempts", {"outcome": "voicemail",
                                                      "at": "2026-11-24T11:15"})
    assert response.status_code == 303 and response.headers["Location"].endswith("#attempt")
    post(coordinator, path + "/attempts", {"outcome": "reached", "at": "2026-11-24T12:40",
                                           "spoke_with": "Maria (daughter)",
                                           "note": "Scales at home"})
    page = coordinator.get(path).get_data(as_text=True)
    assert page.count('class="attempt"') == 2
    assert "Left voicemail" in page and "Maria (daughter)" in page and "Scales at home" in page
    assert "2026-11-24 12:40 EST" in page and ">Met<" in page
    assert [detail for _, action, detail in audit(services, "tcm_attempt")] == [
        "voicemail at 2026-11-24 11:15 EST",
        "reached at 2026-11-24 12:40 EST, spoke with Maria (daughter)"]
    assert ("nora", "viewed", None) in audit(services, "tcm")


@pytest.mark.parametrize(("form", "data", "message"), [
    ("attempts", {"outcome": "reached", "at": "2026-11-24T11:00", "spoke_with": "patient",
                  "note": "keep me"}, "is in the future"),
    ("attempts", {"outcome": "reached", "at": "tomorrow", "spoke_with": "patient",
                  "note": "keep me"}, "is not a date and time"),
    ("attempts", {"outcome": "texted", "at": "2026-11-24T10:00", "note": "keep me"},
     "must be one of reached"),
    ("face-to-face", {"face_to_face_on": "2026-11-23"}, "is before the discharge"),
    ("face-to-face", {"face_to_face_on": "next week"}, "is not a date"),
    ("medication-review", {"medication_review_on": "2026-11-24", "by": "Sam",
                           "role": "doctor"}, "must be one of nurse, pharmacist, physician"),
])
def test_bad_input_is_a_400_with_the_reason_and_what_was_typed(services, coordinator, episodes,
                                                               form: str, data: dict[str, str],
                                                               message: str) -> None:
    response = post(coordinator, f"/tcm/{episodes['today']}/{form}", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page and 'role="alert"' in page
    if "note" in data:
        assert ">keep me</textarea>" in page
    assert audit(services, "tcm_attempt") == []
    assert any(detail and detail.startswith("refused") for _, _, detail in audit(services, "tcm"))


def test_an_unknown_episode_is_not_found(coordinator) -> None:
    assert coordinator.get("/tcm/999").status_code == 404
    assert post(coordinator, "/tcm/999/face-to-face",
                {"face_to_face_on": "2026-11-24"}).status_code == 404


def test_signed_out_people_are_sent_to_sign_in(client) -> None:
    response = client.get("/tcm")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_csv_export_has_one_row_per_discharge_and_is_audited(services, coordinator,
                                                                 episodes, clock) -> None:
    clock.advance(hours=3)
    post(coordinator, f"/tcm/{episodes['today']}/attempts",
         {"outcome": "reached", "at": "2026-11-24T12:40", "spoke_with": "patient"})
    response = coordinator.get("/tcm/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = read_csv(response.get_data(as_text=True))
    assert tuple(rows[0]) == COLUMNS
    by_name = {row["patient_name"]: row for row in rows}
    alex = by_name["Alex Rivera"]
    assert (alex["contact_status"], alex["first_contact_at"], alex["first_contact_by"]) == (
        "met", "2026-11-24T12:40:00-05:00", "nora")
    assert (alex["contact_deadline"], alex["attempts"], alex["face_to_face_window"]) == (
        "2026-11-27T23:59:00-05:00", "1", "pending")
    assert alex["automated_checkin_completed_at"] == ""
    assert by_name["Bea Okafor"]["contact_status"] == "missed"
    assert audit(services, "tcm")[-1] == ("nora", "exported",
                                          "2 rows, discharged since 2026-10-25; patients 1, 2")
    older = coordinator.get("/tcm/export.csv?since=2026-11-20")
    assert [row["patient_name"] for row in read_csv(older.get_data(as_text=True))] == [
        "Alex Rivera"]
    bad = coordinator.get("/tcm/export.csv?since=last-month")
    assert bad.status_code == 400 and "is not a date" in bad.get_data(as_text=True)
    assert coordinator.get("/tcm/export.csv?since=0001-01-01").status_code == 200


def test_a_name_that_looks_like_a_formula_is_exported_as_text(services, coordinator) -> None:
    enroll_patient(services, name="=HYPERLINK(1) Smith", days_ago=0)
    rows = read_csv(coordinator.get("/tcm/export.csv").get_data(as_text=True))
    assert rows[0]["patient_name"] == "'=HYPERLINK(1) Smith"


def test_the_cli_exports_the_same_csv(services, episodes, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CARECALL_DATABASE_URL", services.settings.database_url)
    out = tmp_path / "tcm.csv"
    result = CliRunner().invoke(main, ["export", "tcm", "--since", "2026-11-20", "--out",
                                       str(out)])
    assert result.exit_code == 0, result.output
    assert result.output == f"wrote {out}: 1 discharges\n"
    rows = read_csv(out.read_text())
    assert [(row["patient_name"], row["discharge_date"]) for row in rows] == [
        ("Alex Rivera", "2026-11-24")]
    everything = CliRunner().invoke(main, ["export", "tcm"])
    assert len(read_csv(everything.output)) == 2
    exports = [row for row in audit(services, "tcm") if row[1] == "exported"]
    assert exports[0][0].startswith("cli:") and exports[0][2].startswith("1 rows, discharged "
                                                                          "since 2026-11-20")
    bad = CliRunner().invoke(main, ["export", "tcm", "--since", "20/11/2026"])
    assert bad.exit_code == 2 and "write it like 2026-11-27" in bad.output


def test_an_admin_sees_the_worklist_too(services, episodes) -> None:
    admin = signed_in_client(services, "ada", "admin")
    assert admin.get("/tcm").status_code == 200
