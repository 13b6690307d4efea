"""Every shipped flow validates, passes its own test conversations and speaks Spanish."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cli import main
from assistant.config import PROJECT_ROOT, Settings
from assistant.flows import FlowLibrary
from assistant.flowtests import run_flow_tests
from assistant.prompts import PromptCatalogue

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
    from assistant.flows import FlowError, load_flow_file

    source = (PROJECT_ROOT / "flows" / "general.yaml").read_text()
    (tmp_path / "general.yaml").write_text(
        source.replace("alerts: {fever: urgent}", "alerts: {fevr: urgent}"))
    with pytest.raises(FlowError) as caught:
        load_flow_file(tmp_path / "general.yaml", PromptCatalogue.load(PROJECT_ROOT / "prompts"))
    assert "alert fevr: urgent names no rule" in str(caught.value)
