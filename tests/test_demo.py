"""`carecall demo --script`: the whole product in one process, over real local HTTP."""

from __future__ import annotations

from pathlib import Path

from assistant.foundation.config import Settings
from carecall.demo import run_demo

from .helpers import DOB_REPLY


def test_the_demo_sends_the_checkin_takes_replies_and_prints_the_alert(tmp_path: Path) -> None:
    lines: list[str] = []
    settings = Settings(data_dir=tmp_path, tick_seconds=1)
    code = run_demo(settings, [DOB_REPLY, "worse", "yes"], port=0, write=lines.append)
    output = "\n".join(lines)
    assert code == 0, output
    assert "alerts page: http://127.0.0.1:" in output
    assert "sign in as the coordinator nurse / carecall-demo-" in output
    assert "or as an admin admin / carecall-demo-" in output and "lead" in output
    assert "Riverside Hospital" in output  # the first SMS, sent through the twilio client
    assert "A nurse from Riverside Hospital will call you today" in output
    assert "ALERT for the care team [URGENT] Feels worse than at discharge" in output
    assert "ALERT for the care team [EMERGENCY] Chest pain or pressure" in output
    assert output.index("Please call 911 now") < output.index("[EMERGENCY]")
    assert "The check-in has ended." in output
    # The on-call nurse of the demo roster is notified by SMS and by e-mail (local sink),
    # the emergency first.
    assert output.index("To the on-call nurse's phone: Carecall EMERGENCY alert") < \
        output.index("To the on-call nurse's phone: Carecall URGENT alert")
    assert "E-mail to nurse@riverside.example: [Carecall] EMERGENCY alert" in output


def test_the_voice_demo_rings_the_phone_and_listens(tmp_path: Path) -> None:
    lines: list[str] = []
    settings = Settings(data_dir=tmp_path, tick_seconds=1)
    code = run_demo(settings, [DOB_REPLY, "worse", "2", "my chest hurts"], port=0,
                    write=lines.append, channel="voice")
    output = "\n".join(lines)
    assert code == 0, output
    assert "The phone rings and you answer." in output
    assert ("Carecall: Hello, this is an automated call from your care team at "
            "Riverside Hospital") in output
    assert "Carecall: Please hang up and call 911 now" in output
    assert "ALERT for the care team [EMERGENCY] Reports chest pain or pressure" in output
    assert "The call has ended." in output


def test_the_demo_listens_for_the_hospitals_adt_feed(tmp_path: Path) -> None:
    """The demo prints its MLLP port and a ready message; sent while the demo runs, the
    discharge is acknowledged (AA): committed as a stay."""
    import re

    import hl7
    from hl7.client import MLLPClient

    lines: list[str] = []
    acks: list[str] = []

    def write(line: str) -> None:
        lines.append(line)
        found = re.search(r"--port (\d+) --file (\S+) localhost", line)
        if found:
            text = Path(found[2]).read_text(encoding="utf-8").strip().replace("\n", "\r")
            with MLLPClient("127.0.0.1", int(found[1])) as client:
                reply = hl7.parse(client.send_message(text).decode())
            acks.append(str(reply.segment("MSA")(1)))

    settings = Settings(data_dir=tmp_path, tick_seconds=1)
    code = run_demo(settings, [DOB_REPLY, "worse", "yes"], port=0, write=write)
    output = "\n".join(lines)
    assert code == 0, output
    assert "HL7 ADT feed: listening on 127.0.0.1:" in output
    assert acks == ["AA"]
