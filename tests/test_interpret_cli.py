"""`carecall interpret`: the contract the admin "try a reply" box and outside tools rely on."""

from __future__ import annotations

import json

from click.testing import CliRunner

from carecall.cli import main


def run(*args: str, stdin: str | None = None) -> list[dict]:
    result = CliRunner().invoke(main, ["interpret", *args], input=stdin)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines()]


def test_one_json_object_per_reply_with_the_contract_fields() -> None:
    rows = run("yes_no", "yep", "nah not really", "yes I have chest pain")
    assert rows == [
        {"text": "yep", "understood": True, "value": True, "unit": None, "red_flags": []},
        {"text": "nah not really", "understood": True, "value": False, "unit": None,
         "red_flags": []},
        {"text": "yes I have chest pain", "understood": True, "value": True, "unit": None,
         "red_flags": ["chest_pain"]},
    ]


def test_numbers_are_converted_to_the_unit_asked() -> None:
    rows = run("number", "38.5 C", "101.5", "180 lbs", "--unit", "F")
    assert [(r["value"], r["unit"]) for r in rows[:2]] == [(101.3, "F"), (101.5, "F")]
    assert run("number", "180 lbs", "--unit", "kg")[0]["value"] == 81.6


def test_replies_are_read_from_standard_input_one_per_line() -> None:
    rows = run("choice", "--choices", "better,same,worse", stdin="2\nWORSE\npurple\n")
    assert [(r["understood"], r["value"]) for r in rows] == [
        (True, "same"), (True, "worse"), (False, None)]


def test_dates_are_iso_and_spanish_dates_are_day_first() -> None:
    assert run("date", "March 14, 1950")[0]["value"] == "1950-03-14"
    assert run("date", "4/3/1950", "--lang", "es")[0]["value"] == "1950-03-04"


def test_red_flags_are_reported_whatever_the_kind() -> None:
    assert run("text", "me duele el pecho")[0]["red_flags"] == ["chest_pain"]


def test_bad_options_are_clear_errors() -> None:
    result = CliRunner().invoke(main, ["interpret", "number", "5", "--unit", "stone"])
    assert result.exit_code == 2 and "unit 'stone' is unknown" in result.stderr
    result = CliRunner().invoke(main, ["interpret", "choice", "2"])
    assert result.exit_code == 2 and "needs --choices" in result.stderr
