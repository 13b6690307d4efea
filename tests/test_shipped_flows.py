"""Every shipped flow validates, passes its own test conversations and speaks Spanish."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.authoring.flowtests import run_flow_tests
from assistant.conversation.flow_loader import FlowLibrary
from assistant.conversation.prompts import PromptCatalogue
from assistant.foundation.config import PROJECT_ROOT, Settings
from carecall.cli import main

LIBRARY = FlowLibrary.load(PROJECT_ROOT / "flows", PromptCatalogue.load(PROJECT_ROOT / "prompts"))
FLOW_IDS = sorted(LIBRARY.flows)


@pytest.mark.parametrize("flow_id", FLOW_IDS)
def test_each_shipped_flow_passes_its_test_conversations(flow_id: str, tmp_path: Path) -> None:
    flow = LIBRARY.flows[flow_id]
    assert len(flow.tests) >= 5, "each flow ships its own test conversations"
    results = run_flow_tests(Settings(data_dir=tmp_path), [flow])
    failures = {r.name: r.problems for r in results if not r.passed}
    assert failures == {}


@pytest.mark.parametrize("flow_id", FLOW_IDS)
def test_each_shipped_flow_speaks_english_and_spanish_with_a_spanish_test(flow_id: str) -> None:
    flow = LIBRARY.flows[flow_id]
    assert set(flow.languages) == {"en", "es"}
    assert any(test.language == "es" for test in flow.tests)
    assert flow.first_question == "identity_dob"


def test_flows_test_reports_a_failing_expectation_and_exits_1(tmp_path: Path,
                                                              monkeypatch) -> None:
    source = (PROJECT_ROOT / "flows" / "general.yaml").read_text()
    broken = source.replace("alerts: {chest_pain: emergency}\n      says: [\"call 911 now\"]",
                            "alerts: {chest_pain: urgent}\n      says: [\"call 911 now\"]")
    assert broken != source
    (tmp_path / "general.yaml").write_text(broken)
    monkeypatch.setenv("CARECALL_FLOWS_DIR", str(tmp_path))
    result = CliRunner().invoke(main, ["flows", "test", "general"])
    assert result.exit_code == 1
    assert "FAIL general: chest pain is an emergency" in result.output
    assert "alerts {chest_pain: emergency}, expected {chest_pain: urgent}" in result.output


def test_flows_test_passes_for_the_shipped_flows() -> None:
    result = CliRunner().invoke(main, ["flows", "test", "general"])
    assert result.exit_code == 0, result.output
    assert " 0 failed" in result.output


def test_a_flow_test_naming_an_unknown_alert_is_a_validation_error(tmp_path: Path) -> None:
    from assistant.conversation.flow_loader import FlowError, load_flow_file

    source = (PROJECT_ROOT / "flows" / "general.yaml").read_text()
    (tmp_path / "general.yaml").write_text(
        source.replace("alerts: {fever: urgent}", "alerts: {fevr: urgent}"))
    with pytest.raises(FlowError) as caught:
        load_flow_file(tmp_path / "general.yaml", PromptCatalogue.load(PROJECT_ROOT / "prompts"))
    assert "alert fevr: urgent names no rule" in str(caught.value)


SPANISH_PATIENT = "patient: {name: Rosa Díaz, dob: 1944-05-09, language: es}\n"


@pytest.mark.parametrize("flow_id", FLOW_IDS)
def test_converse_runs_each_flow_end_to_end_in_spanish(flow_id: str, tmp_path: Path) -> None:
    import json

    script = tmp_path / "es.yaml"
    script.write_text(SPANISH_PATIENT + "replies: {'*': 'no', pain: '2', weight: '180', "
                      "glucose: '120', temperature: '37', mood: '0', mood_down: '0', "
                      "feeling: 'igual'}\n")
    result = CliRunner().invoke(main, ["converse", "--flow", flow_id, "--script", str(script),
                                       "--lang", "es", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["language"] == "es" and report["end_state"] == "completed"
    said = [t["text"] for t in report["transcript"] if t["from"] == "assistant"]
    assert said[0].startswith("Hola Rosa") and said[-1].startswith("Gracias, eso es todo")
    assert "Responda SÍ o NO." in " ".join(said)


@pytest.mark.parametrize("flow_id", FLOW_IDS)
def test_nothing_before_identity_names_a_condition_or_a_medicine(flow_id: str,
                                                                tmp_path: Path) -> None:
    import json

    script = tmp_path / "s.yaml"
    script.write_text("patient: {medications: [{name: Apixaban, change: new}]}\n"
                      "replies: {identity_dob: '01/01/1901', '*': 'no'}\n")
    result = CliRunner().invoke(main, ["converse", "--flow", flow_id, "--script", str(script),
                                       "--json"])
    said = " ".join(t["text"].lower() for t in json.loads(result.output)["transcript"]
                    if t["from"] == "assistant")
    for word in ("apixaban", "heart", "copd", "lung", "pneumonia", "surgery", "diabetes",
                 "sugar", "weight", "medicine", "pain", "breath"):
        assert word not in said


def test_every_flow_takes_under_three_minutes_by_phone_and_validate_says_so() -> None:
    from assistant.authoring.call_length import call_length

    prompts = PromptCatalogue.load(PROJECT_ROOT / "prompts")
    for flow in LIBRARY.flows.values():
        for language in flow.languages:
            assert call_length(flow, prompts, language).seconds < 180, (flow.id, language)
    result = CliRunner().invoke(main, ["flows", "validate", "general"])
    assert "  en: about 2 min" in result.output and "words" in result.output
