"""The report where people read it: the page (coordinators and admins), its downloads, the
`carecall report` and `carecall export discharges` commands, and the data dictionary. Each on
the worked example of tests/support/report_rows.py."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from assistant.foundation.config import PROJECT_ROOT
from assistant.records.db import transaction
from assistant.records.models import AuditEvent, Patient
from assistant.reporting.discharge_export import COLUMNS
from assistant.services import Services
from carecall.cli import main
from tests.conftest import signed_in_client
from tests.support.report_rows import seed_worked_example

PERIOD = "from=2026-09-01&to=2026-11-24"


@pytest.fixture
def seeded(services: Services) -> Services:
    seed_worked_example(services)
    with transaction(services.sessions) as session:  # an MRN a spreadsheet would run
        session.execute(update(Patient).where(Patient.name == "Patient 1")
                        .values(mrn="=HYPERLINK(1)", mrn_authority="RH"))
    return services


def test_the_page_shows_the_period_s_figures_with_its_charts(seeded: Services) -> None:
    client = signed_in_client(seeded)
    page = client.get(f"/reports?{PERIOD}").get_data(as_text=True)
    assert re.search(r'id="discharges">5<', page)
    assert re.search(r'id="reached">60.0%<', page)
    assert page.count("<svg") >= 5  # reach, weeks, two acknowledgement times, the funnels
    assert 'id="reach-by-attempt' in page and 'id="funnel-copd' in page
    assert "Observational, not a trial" in page
    assert "2 of 4 (50.0%)" in page  # TCM contact in time
    assert "Patient 3" in page  # a TCM miss, listed
    copd = client.get(f"/reports?{PERIOD}&flow=copd").get_data(as_text=True)
    assert re.search(r'id="discharges">2<', copd)


def test_admins_see_it_too_and_no_one_signed_out(seeded: Services) -> None:
    assert signed_in_client(seeded, "ada", "admin").get(f"/reports?{PERIOD}").status_code == 200
    from carecall.web import create_app

    anonymous = create_app(seeded).test_client()
    assert anonymous.get("/reports").status_code in (302, 401)


@pytest.mark.parametrize("query, said", [
    ("from=2026-13-01", "is not a day"),
    ("from=2026-11-02&to=2026-11-01", "starts (2026-11-02) after it ends"),
    ("flow=%3Cscript%3E", "unknown flow"),
    ("from=1066-10-14", "outside the years"),
])
def test_a_bad_period_or_flow_is_the_form_again_with_what_to_fix(
        seeded: Services, query: str, said: str) -> None:
    client = signed_in_client(seeded)
    for path in ("/reports", "/reports/figures.csv", "/reports/discharges.csv"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 400
        assert said in response.get_data(as_text=True)
        assert "<script>" not in response.get_data(as_text=True)


def test_downloads_carry_the_same_figures_and_are_audited(seeded: Services) -> None:
    client = signed_in_client(seeded)
    figures = client.get(f"/reports/figures.csv?{PERIOD}")
    assert 'filename="carecall-report-2026-09-01-to-2026-11-24.csv"' in \
        figures.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(figures.get_data(as_text=True))))
    reached = next(r for r in rows if r["measure"] == "reached (completed check-in)")
    assert (reached["count"], reached["of"], reached["value"]) == ("3", "5", "60.0")
    body = json.loads(client.get(f"/reports/figures.json?{PERIOD}").get_data(as_text=True))
    assert body["scope"] == {"from": "2026-09-01", "to": "2026-11-24", "flow": None,
                             "time_zone": "America/New_York"}
    assert [m["patient_id"] for m in body["tcm_misses"]] == [3, 2]
    discharges = client.get(f"/reports/discharges.csv?{PERIOD}").get_data(as_text=True)
    lines = list(csv.DictReader(io.StringIO(discharges)))
    assert len(lines) == 5 and tuple(lines[0]) == COLUMNS
    assert lines[0]["mrn"] == "'=HYPERLINK(1)"  # text, never a formula
    second = lines[1]
    assert (second["attempts_to_reach"], second["tcm_contact"], second["language"],
            second["alerts_emergency"], second["checkins_planned"]) == ("3", "late", "es", "1",
                                                                       "2")
    fourth = lines[3]
    assert (fourth["reach_channel"], fourth["opted_out"], fourth["readmitted_30"],
            fourth["days_to_readmission"]) == ("fallback", "1", "0", "45")
    with seeded.sessions() as session:
        audited = session.execute(select(AuditEvent.action, AuditEvent.subject)
                                  .where(AuditEvent.actor == "nora")).all()
    assert ("exported", "discharges") in audited and ("exported", "report") in audited


def _cli(seeded: Services, monkeypatch, *args: str):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CARECALL_DATABASE_URL", seeded.settings.database_url)
    return CliRunner().invoke(main, list(args))


def test_carecall_report_in_its_three_formats(seeded: Services, monkeypatch) -> None:
    period = ["--from", "2026-09-01", "--to", "2026-11-24"]
    body = json.loads(_cli(seeded, monkeypatch, "report", *period, "--format", "json").output)
    figures = {f["measure"]: f for f in body["figures"] if f["section"] == "reach"}
    assert (figures["never reached"]["count"], figures["never reached"]["of"]) == (2, 5)
    table = _cli(seeded, monkeypatch, "report", *period, "--format", "csv").output
    assert table.splitlines()[0] == "section,measure,flow,language,count,of,value,unit"
    assert "engagement,SMS segments sent,,,5,,," in table
    text = _cli(seeded, monkeypatch, "report", *period, "--flow", "copd").output
    assert "flow copd" in text and "NOTE: Observational" in text
    assert re.search(r"reached \(completed check-in\)\s+1 of 2 \(50.0%\)", text)


def test_carecall_report_refuses_what_it_cannot_read(seeded: Services, monkeypatch) -> None:
    bad = _cli(seeded, monkeypatch, "report", "--to", "yesterday")
    assert bad.exit_code == 2 and "to 'yesterday' is not a day" in bad.stderr
    unknown = _cli(seeded, monkeypatch, "report", "--flow", "knee")
    assert unknown.exit_code == 2 and "unknown flow 'knee'" in unknown.stderr


def test_carecall_export_discharges_writes_a_row_per_discharge(
        seeded: Services, monkeypatch, tmp_path) -> None:
    out = tmp_path / "discharges.csv"
    result = _cli(seeded, monkeypatch, "export", "discharges", "--from", "2026-09-01",
                  "--to", "2026-11-24", "--flow", "heart_failure", "--out", str(out))
    assert result.exit_code == 0 and "3 discharges" in result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [row["flow"] for row in rows] == ["heart_failure"] * 3


def test_the_data_dictionary_documents_every_column_in_order() -> None:
    text = (PROJECT_ROOT / "docs" / "REPORTS.md").read_text(encoding="utf-8")
    dictionary = text.split("## Data dictionary", 1)[1]
    documented = re.findall(r"^\| `([a-z_0-9]+)` \|", dictionary, flags=re.MULTILINE)
    assert tuple(documented) == COLUMNS
