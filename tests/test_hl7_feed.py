"""The hospital's ADT feed: real MLLP-framed messages from the `hl7` package's client to
`carecall hl7 listen` running as its own process, each ACK checked, then the database."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import hl7
import pytest
from hl7.client import MLLPClient
from sqlalchemy import select

from assistant.foundation.config import PROJECT_ROOT
from assistant.records.db import make_engine, upgrade
from assistant.records.interfaces import Hl7Message
from assistant.records.models import Alert, CheckIn, Episode, Patient

SAMPLES = PROJECT_ROOT / "tests" / "data" / "hl7"


def sample(name: str, **changes: str) -> str:
    """A sample message with recent times, segments separated by carriage returns."""
    now = datetime.now(UTC)
    text = (SAMPLES / name).read_text(encoding="utf-8").strip()
    text = text.replace("{DISCHARGED}", (now - timedelta(days=2)).strftime("%Y%m%d%H%M+0000"))
    text = text.replace("{ADMITTED}", (now - timedelta(days=6)).strftime("%Y%m%d%H%M+0000"))
    text = text.replace("{READMITTED}", (now - timedelta(days=1)).strftime("%Y%m%d%H%M+0000"))
    for old, new in changes.items():
        text = text.replace(old, new)
    return text.replace("\n", "\r")


@pytest.fixture
def listener(tmp_path: Path) -> Iterator[tuple[MLLPClient, str]]:
    url = f"sqlite:///{tmp_path / 'feed.db'}"
    upgrade(url)
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "PYTHONUNBUFFERED": "1",
           "CARECALL_DATABASE_URL": url, "CARECALL_DATA_DIR": str(tmp_path)}
    process = subprocess.Popen([sys.executable, "-m", "carecall.cli", "hl7", "listen",
                                "--port", "0"], cwd=PROJECT_ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()  # type: ignore[union-attr]
        assert line.startswith("listening for HL7 (MLLP) on "), process.stderr.read()  # type: ignore[union-attr]
        host, port = line.rsplit(" ", 1)[1].strip().rsplit(":", 1)
        with MLLPClient(host, int(port)) as client:
            yield client, url
    finally:
        process.terminate()
        process.wait(timeout=30)


def ack(client: MLLPClient, message: str) -> tuple[str, str, str]:
    """(MSA-1, MSA-2, MSA-3) of the ACK the listener sends back."""
    reply = hl7.parse(client.send_message(message).decode("utf-8"))
    msa = reply.segment("MSA")
    return str(msa(1)), str(msa(2)), str(msa(3)) if len(msa) > 3 else ""


def rows(url: str, model, *where):  # type: ignore[no-untyped-def]
    engine = make_engine(url)
    with engine.connect() as connection:
        found = connection.execute(select(model).where(*where)).all()
    engine.dispose()
    return found


def test_adt_messages_over_mllp_are_acknowledged_and_applied_once(listener) -> None:
    client, url = listener
    # A03: a discharge home with heart failure becomes a stay with check-ins.
    code, echoed, text = ack(client, sample("a03_discharge.hl7"))
    assert (code, echoed) == ("AA", "RIV000101"), text
    [episode] = rows(url, Episode)
    assert episode.visit_number == "V778201-01" and episode.flow_id == "heart_failure"
    assert episode.disposition == "home" and episode.diagnoses == ["I50.22", "E11.9"]
    assert episode.next_of_kin == [{"name": "Daniel Okafor", "relationship": "Son",
                                    "phone": "+12015550163"}]
    [patient] = rows(url, Patient)
    assert (patient.mrn, patient.mrn_authority) == ("MRN778201", "RIVERSIDE")
    assert patient.name == "Grace A Okafor" and patient.phone == "+12015550162"  # the CP one
    planned = len(rows(url, CheckIn, CheckIn.status == "scheduled"))
    assert planned >= 2

    # The same message again (a sender's retry): acknowledged, not applied twice.
    code, echoed, text = ack(client, sample("a03_discharge.hl7"))
    assert (code, echoed) == ("AA", "RIV000101") and text.startswith("already received")
    # The same discharge under a new control id: recognised by MRN and visit.
    code, _, text = ack(client, sample("a03_discharge.hl7", RIV000101="RIV000201"))
    assert code == "AA" and "already recorded" in text
    assert len(rows(url, Episode)) == 1
    assert len(rows(url, CheckIn, CheckIn.status == "scheduled")) == planned

    # A08: a new mobile number.
    assert ack(client, sample("a08_new_phone.hl7"))[0] == "AA"
    assert rows(url, Patient)[0].phone == "+12015550177"

    # A01: readmitted; what was scheduled stops and the coordinator is told.
    assert ack(client, sample("a01_readmission.hl7"))[0] == "AA"
    assert rows(url, CheckIn, CheckIn.status == "scheduled") == []
    assert [a.reason for a in rows(url, Alert, Alert.kind == "alert")] == ["readmitted"]

    # A11: the readmission's admission is withdrawn; it was never a stay we follow.
    code, _, text = ack(client, sample("a11_cancel_admit.hl7"))
    assert code == "AA" and "no stay with visit V778201-02" in text
    # A13: the discharge is withdrawn.
    code, _, text = ack(client, sample("a13_cancel_discharge.hl7"))
    assert code == "AA" and "cancelled" in text

    # Refused: not ADT, not HL7 at all, a version we do not read, no control id.
    assert ack(client, sample("oru_result.hl7"))[0] == "AR"
    assert ack(client, sample("a03_discharge.hl7", **{"|2.5.1": "|3.0",
                                                      "RIV000101": "RIV000301"}))[0] == "AR"
    assert ack(client, (SAMPLES / "not_hl7.txt").read_text())[0] == "AR"
    # Could not be processed: AE, kept for review with the reason.
    code, echoed, text = ack(client, sample("a03_bad_phone.hl7"))
    assert (code, echoed) == ("AE", "RIV000106") and "phone '555'" in text
    # A discharge to a nursing home: accepted, no check-ins.
    code, _, text = ack(client, sample("a03_to_nursing_home.hl7"))
    assert code == "AA" and "no check-ins" in text
    assert len(rows(url, Episode)) == 1

    stored = {(m.control_id, m.ack_code, m.outcome) for m in rows(url, Hl7Message)}
    assert ("RIV000106", "AE", "failed") in stored and ("LAB000001", "AR", "refused") in stored
    assert ("RIV000105", "AA", "ignored") in stored
    assert len(rows(url, Hl7Message)) == 11  # every message kept, each control id once
    assert rows(url, Episode)[0].id == episode.id
    assert rows(url, CheckIn, CheckIn.episode_id == episode.id,
                CheckIn.status == "scheduled") == []


def test_refused_and_failed_messages_are_listed_for_the_interface_team(services,
                                                                      coordinator) -> None:
    from assistant.intake.adt import receive_adt
    from assistant.intake.flow_choice import FlowTable

    table = FlowTable.load()
    assert receive_adt(services, sample("a03_bad_phone.hl7"), table)[0].ack_code == "AE"
    assert receive_adt(services, sample("oru_result.hl7"), table)[0].ack_code == "AR"
    assert receive_adt(services, sample("a03_to_nursing_home.hl7"), table)[0].ack_code == "AA"
    page = coordinator.get("/integrations/hl7").get_data(as_text=True)
    assert "RIV000106" in page and "phone &#39;555&#39;" in page  # AE, with the reason
    assert "LAB000001" in page and "is not ADT" in page  # AR
    assert "RIV000105" not in page  # accepted messages are not trouble


def test_the_flow_follows_the_diagnosis_table() -> None:
    from assistant.intake.flow_choice import FlowTable

    table = FlowTable.load()
    assert table.choose(["I50.22", "E11.9"], False) == "heart_failure"
    assert table.choose(["J44.1"], False) == "copd"
    assert table.choose(["J18.9"], False) == "pneumonia"
    assert table.choose(["E11.65"], False) == "diabetes"
    assert table.choose(["S72.001A"], True) == "post_surgery"
    assert table.choose(["R55"], False) == "general"
