"""Flow validation: a broken flow is refused with the file, the line and the problem."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.conversation.chart import compile_chart
from assistant.conversation.flow_loader import FlowError, load_flow_file
from assistant.conversation.flows import AnswerView
from assistant.conversation.prompts import PromptCatalogue
from assistant.foundation.config import PROJECT_ROOT
from carecall.cli import main

PROMPTS = PromptCatalogue.load(PROJECT_ROOT / "prompts")

VALID = """\
flow: tiny
schedule:
  - {day: 2, at: "10:00", channel: sms}
questions:
  - id: identity_dob
    kind: date
    identity: true
  - id: chest_pain
    kind: yes_no
rules:
  - id: chest_pain
    when: {answer: chest_pain, is: yes}
    severity: emergency
    say: emergency_911
"""


def write_flow(tmp_path: Path, text: str, name: str = "tiny") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    return path


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(FlowError) as caught:
        load_flow_file(write_flow(tmp_path, text), PROMPTS)
    return [str(problem) for problem in caught.value.problems]


def test_the_shipped_flows_validate_and_use_the_canonical_question_ids() -> None:
    flow = load_flow_file(PROJECT_ROOT / "flows" / "general.yaml", PROMPTS)
    canonical = {"identity_dob", "feeling", "breathing", "chest_pain", "fever",
                 "meds_picked_up", "meds_barrier", "side_effects", "appointment", "transport",
                 "questions"}
    assert canonical <= set(flow.questions)
    assert flow.first_question == "identity_dob"
    assert [(c.day, c.business_days) for c in flow.schedule] == [(1, True), (7, False),
                                                                 (30, False)]


def test_a_valid_flow_loads(tmp_path: Path) -> None:
    flow = load_flow_file(write_flow(tmp_path, VALID), PROMPTS)
    assert list(flow.questions) == ["identity_dob", "chest_pain"]


def test_a_branch_to_an_unknown_question_names_the_line(tmp_path: Path) -> None:
    text = VALID.replace("    kind: yes_no\n", "    kind: yes_no\n    next: chest_pian\n")
    found = problems(tmp_path, text)
    assert len(found) == 1
    assert found[0].startswith(f"{tmp_path / 'tiny.yaml'}:10:")
    assert "'chest_pian'" in found[0] and "not a question id" in found[0]


def test_a_rule_on_an_unknown_question_is_refused(tmp_path: Path) -> None:
    found = problems(tmp_path, VALID.replace("{answer: chest_pain, is: yes}",
                                             "{answer: chestpain, is: yes}"))
    assert any(":12:" in p and "unknown question 'chestpain'" in p for p in found)


def test_unknown_kind_severity_and_missing_prompt_are_each_reported(tmp_path: Path) -> None:
    text = (VALID.replace("kind: yes_no", "kind: yesno")
            .replace("severity: emergency", "severity: critical")
            .replace("say: emergency_911", "say: no_such_prompt"))
    found = problems(tmp_path, text)
    assert any(":9:" in p and "kind 'yesno'" in p for p in found)
    assert any(":13:" in p and "severity must be one of" in p for p in found)


def test_a_missing_prompt_is_named(tmp_path: Path) -> None:
    found = problems(tmp_path, VALID.replace("say: emergency_911", "say: no_such_prompt"))
    assert any("prompt 'no_such_prompt' is missing from prompts/en.yaml" in p for p in found)


def test_going_backwards_is_refused_so_every_conversation_ends(tmp_path: Path) -> None:
    text = VALID.replace("    kind: yes_no\n", "    kind: yes_no\n    next: identity_dob\n")
    assert any("branches may only go forward" in p for p in problems(tmp_path, text))


def test_comparing_a_yes_no_answer_with_a_number_is_refused(tmp_path: Path) -> None:
    found = problems(tmp_path, VALID.replace("is: yes}", "gte: 3}"))
    assert any("gte compares numbers" in p for p in found)


def test_broken_yaml_names_the_line(tmp_path: Path) -> None:
    from assistant.foundation.yamlsource import YamlError

    with pytest.raises(YamlError) as caught:
        load_flow_file(write_flow(tmp_path, VALID + "  - [unclosed\n"), PROMPTS)
    assert ":16:" in str(caught.value) or ":17:" in str(caught.value)


def test_the_cli_reports_problems_and_exits_non_zero(tmp_path: Path) -> None:
    good = write_flow(tmp_path, VALID)
    bad = write_flow(tmp_path, VALID.replace("kind: yes_no", "kind: maybe"), name="bad")
    result = CliRunner().invoke(main, ["flows", "validate", str(good), str(bad)])
    assert result.exit_code == 1
    assert f"{good}: ok" in result.output
    assert f"{bad}:9:" in result.stderr


def test_the_cli_validates_the_shipped_flows_by_default() -> None:
    result = CliRunner().invoke(main, ["flows", "validate"])
    assert result.exit_code == 0, result.output
    assert "general.yaml: ok" in result.output


def test_the_compiled_chart_follows_branches() -> None:
    flow = load_flow_file(PROJECT_ROOT / "flows" / "general.yaml", PROMPTS)

    class Row:
        state = "breathing"

    row = Row()
    chart = compile_chart(flow)(model=row, state_field="state")
    chart.send("answer", answers={"breathing": AnswerView(True)})
    assert row.state == "breathing_at_rest"
    row.state = "breathing"
    chart = compile_chart(flow)(model=row, state_field="state")
    chart.send("answer", answers={"breathing": AnswerView(False)})
    assert row.state == "fever"


def test_a_prompt_longer_than_two_sms_segments_is_a_warning_not_an_error(tmp_path: Path) -> None:
    from assistant.foundation.sms_length import segments

    prompts_dir = tmp_path / "prompts"
    prompts_dir.mkdir()
    english = (PROJECT_ROOT / "prompts" / "en.yaml").read_text()
    long_text = "Do you have any chest pain or pressure? " * 8
    original = 'chest_pain: "Do you have any chest pain or pressure? Reply YES or NO."'
    english = english.replace(original, f'chest_pain: "{long_text}"')
    (prompts_dir / "en.yaml").write_text(english)
    flow = load_flow_file(write_flow(tmp_path, VALID), PromptCatalogue.load(prompts_dir))
    assert flow.warnings == (
        f"prompts/en.yaml: prompt 'chest_pain' takes {segments(long_text.strip())} SMS "
        f"segments (GSM-7, {len(long_text.strip())} characters); shorten it",)


def test_sms_segments_follow_gsm7_and_ucs2_limits() -> None:
    from assistant.foundation.sms_length import segments

    assert [segments("a" * 160), segments("a" * 161), segments("a" * 306)] == [1, 2, 2]
    assert [segments("í" * 70), segments("í" * 71), segments("í" * 134)] == [1, 2, 2]
    assert segments("¿Tiene fiebre?") == 1 and segments("{") == 1


def test_a_medicine_question_must_name_the_medicine(tmp_path: Path) -> None:
    text = VALID.replace("  - id: chest_pain\n    kind: yes_no\n",
                         "  - id: chest_pain\n    kind: yes_no\n"
                         "    for_each_medication: [new]\n")
    assert any("must name the medicine with {medicine}" in p for p in problems(tmp_path, text))


def test_one_mistake_gives_one_message(tmp_path: Path) -> None:
    source = (PROJECT_ROOT / "flows" / "general.yaml").read_text()
    found = problems(tmp_path, source.replace("  - id: chest_pain\n    kind: yes_no\n",
                                              "  - id: chest_pain\n    kind: yesno\n")
                     .replace("flow: general", "flow: tiny"))
    assert len(found) == 1 and "kind 'yesno'" in found[0]
