"""`carecall converse`: the contract other tools rely on."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from carecall.cli import main


def converse(tmp_path: Path, script: str, *extra: str) -> tuple[int, dict]:
    path = tmp_path / "script.yaml"
    path.write_text(script)
    result = CliRunner().invoke(main, ["converse", "--flow", "general", "--script", str(path),
                                       "--json", *extra])
    return result.exit_code, json.loads(result.output) if result.exit_code == 0 else {}


def test_chest_pain_ends_in_an_emergency_and_the_next_message_says_911(tmp_path: Path) -> None:
    code, report = converse(tmp_path, 'replies:\n  chest_pain: "yes"\n  "*": "no"\n'
                                      '  feeling: same\n')
    assert code == 0
    assert set(report) == {"flow", "flow_version", "channel", "language", "end_state",
                           "transcript", "answers", "alerts"}
    assert report["flow"] == "general" and report["flow_version"] == 1
    assert report["alerts"] == [{"severity": "emergency", "reason": "chest_pain",
                                 "question": "chest_pain"}]
    assert report["end_state"] == "handed_over"
    said_yes = report["transcript"].index({"from": "patient", "text": "yes"})
    reply = report["transcript"][said_yes + 1]
    assert reply["from"] == "assistant" and "call 911" in reply["text"]
    assert report["answers"]["chest_pain"] == {"value": True, "raw": "yes"}


def test_a_list_script_runs_in_order_and_identity_comes_from_the_patient(tmp_path: Path) -> None:
    script = ("patient: {name: Ana Ruiz, dob: 1939-12-01}\n"
              "replies: [better, no, no, no, 'yes', 'no', 'yes', 'yes', '0', '1', 'no']\n")
    code, report = converse(tmp_path, script)
    assert code == 0
    assert report["end_state"] == "completed"
    assert report["alerts"] == []
    assert report["transcript"][2] == {"from": "patient", "text": "12/01/1939"}
    assert report["answers"]["feeling"]["value"] == "better"


def test_a_script_that_runs_out_leaves_the_conversation_in_progress(tmp_path: Path) -> None:
    code, report = converse(tmp_path, "replies: [worse]\n")
    assert code == 0
    assert report["end_state"] == "in_progress"
    assert report["alerts"] == [{"severity": "urgent", "reason": "feeling_worse",
                                 "question": "feeling"}]


def test_a_wrong_identity_from_the_script_is_handed_over(tmp_path: Path) -> None:
    code, report = converse(tmp_path, "replies:\n  identity_dob: 01/01/1901\n  '*': 'no'\n")
    assert code == 0
    assert report["end_state"] == "handed_over"
    assert [a["reason"] for a in report["alerts"]] == ["identity_not_confirmed"]


def test_the_plain_transcript_is_readable(tmp_path: Path) -> None:
    path = tmp_path / "script.yaml"
    path.write_text("replies: {chest_pain: 'yes', '*': 'better'}\n")
    result = CliRunner().invoke(main, ["converse", "--flow", "general", "--script", str(path)])
    assert result.exit_code == 0
    assert "Patient : yes" in result.output
    assert "EMERGENCY: chest_pain" in result.output
    assert "End state: handed_over" in result.output


def test_a_broken_script_or_unknown_flow_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "script.yaml"
    path.write_text("just text\n")
    result = CliRunner().invoke(main, ["converse", "--flow", "general", "--script", str(path)])
    assert result.exit_code == 2 and "needs replies" in result.stderr
    path.write_text("replies: [yes]\n")
    result = CliRunner().invoke(main, ["converse", "--flow", "nope", "--script", str(path)])
    assert result.exit_code == 2 and "unknown flow 'nope'" in result.stderr



def test_a_spanish_script_runs_end_to_end_in_spanish(tmp_path: Path) -> None:
    script = ("patient: {name: Rosa Díaz, dob: 1944-05-09, language: es}\n"
              "replies: [peor, 'no', 'no', 'no', 'sí', 'no', 'sí', 'sí', 'nunca', '0', 'no']\n")
    code, report = converse(tmp_path, script, "--lang", "es")
    assert code == 0
    assert report["language"] == "es" and report["end_state"] == "completed"
    assert report["transcript"][2] == {"from": "patient", "text": "09/05/1944"}
    assistant = [t["text"] for t in report["transcript"] if t["from"] == "assistant"]
    assert assistant[0].startswith("Hola Rosa")
    assert any("Una enfermera de Riverside Hospital le llamará hoy." in t for t in assistant)
    assert assistant[-1].startswith("Gracias, eso es todo por hoy")
    assert report["alerts"] == [{"severity": "urgent", "reason": "feeling_worse",
                                 "question": "feeling"}]


def test_a_nurse_call_is_promised_once_however_many_urgent_answers(tmp_path: Path) -> None:
    path = tmp_path / "script.yaml"
    path.write_text("patient: {baseline: {weight: 180}}\n"
                    "replies: {feeling: worse, weight: '186', swelling: 'yes', "
                    "orthopnea: 'yes', '*': 'no'}\n")
    result = CliRunner().invoke(main, ["converse", "--flow", "heart_failure", "--script",
                                       str(path), "--json"])
    report = json.loads(result.output)
    said = [t["text"] for t in report["transcript"] if t["from"] == "assistant"]
    assert sum("will call you today" in text for text in said) == 1
    assert {a["reason"] for a in report["alerts"]} >= {"feeling_worse", "weight_gain",
                                                        "swelling", "orthopnea"}


def test_by_voice_chest_pain_gives_the_911_instruction_through_a_real_call(
        tmp_path: Path) -> None:
    code, report = converse(tmp_path, 'replies:\n  chest_pain: "yes"\n  "*": "no"\n'
                                      '  feeling: same\n', "--channel", "voice")
    assert code == 0 and report["channel"] == "voice"
    assert report["alerts"] == [{"severity": "emergency", "reason": "chest_pain",
                                 "question": "chest_pain"}]
    said = [t["text"] for t in report["transcript"] if t["from"] == "assistant"]
    assert said[0].startswith("Hello, this is an automated call")
    assert said[-1].startswith("Please hang up and call 911 now")
    assert report["end_state"] == "handed_over"


def test_by_voice_a_weight_is_read_back_and_confirmed(tmp_path: Path) -> None:
    path = tmp_path / "script.yaml"
    path.write_text("patient: {baseline: {weight: 180}}\n"
                    "replies: {feeling: same, weight: 'one hundred eighty four', "
                    "appointment: 'yes', transport: 'yes', '*': 'no'}\n")
    result = CliRunner().invoke(main, ["converse", "--flow", "heart_failure", "--script",
                                       str(path), "--channel", "voice", "--json"])
    report = json.loads(result.output)
    assert report["end_state"] == "completed"
    assert {"from": "assistant", "text": "I heard 184 pounds. Is that right? Say yes or "
            "press 1. Say no or press 2."} in report["transcript"]
    assert report["answers"]["weight"] == {"value": 184, "raw": "one hundred eighty four"}
    assert [a["reason"] for a in report["alerts"]] == ["weight_gain"]
