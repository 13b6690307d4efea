"""`carecall converse` and `carecall interpret`: contracts other tools rely on."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from carecall.cli.root import (
    fail,
    load_cli_settings,
    main,
)


@main.command()
@click.option("--flow", "flow_id", required=True, help="Flow id, e.g. general.")
@click.option("--script", "script_path", required=True, type=click.Path(path_type=Path),
              help="YAML script: patient and replies.")
@click.option("--channel", type=click.Choice(["sms", "voice"]), default="sms", show_default=True)
@click.option("--lang", type=click.Choice(["en", "es"]), default=None,
              help="Language (default: the script's patient.language, else en).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def converse(flow_id: str, script_path: Path, channel: str, lang: str | None,
             as_json: bool) -> None:
    """Run one scripted conversation through the real dialogue engine and rules."""
    from assistant.authoring.scripted import Script, ScriptError
    from assistant.intake.enrollment import EnrollmentError
    from carecall.converse import converse as run
    from carecall.converse import format_report

    settings = load_cli_settings()
    try:
        script = Script.load(script_path)
        report = run(settings, script, flow_id, channel, lang)
    except (ScriptError, EnrollmentError) as exc:
        fail(str(exc))
    click.echo(json.dumps(report, ensure_ascii=False) if as_json else format_report(report))


@main.command("interpret")
@click.argument("kind", type=click.Choice(["yes_no", "number", "scale", "choice", "date", "text"]))
@click.argument("texts", nargs=-1)
@click.option("--lang", type=click.Choice(["en", "es"]), default="en", show_default=True)
@click.option("--unit", help="Convert numbers to this unit: lb, kg, F, C or mg/dL.")
@click.option("--choices", help="Comma-separated choices, for KIND choice.")
def interpret_command(kind: str, texts: tuple[str, ...], lang: str, unit: str | None,
                      choices: str | None) -> None:
    """Interpret replies (or one per line from standard input) as JSON lines."""
    from assistant.conversation.reading_numbers import UNIT_NAMES
    from assistant.conversation.understanding import interpret
    from assistant.safety import scan

    target = None
    if unit is not None:
        target = UNIT_NAMES.get(unit.lower())
        if target is None:
            fail(f"unit {unit!r} is unknown; use one of lb, kg, F, C, mg/dL")
    if kind == "choice" and not choices:
        fail("KIND choice needs --choices, e.g. --choices better,same,worse")
    options = {c.strip(): () for c in (choices or "").split(",") if c.strip()}
    replies = texts or tuple(line.rstrip("\n") for line in sys.stdin)
    for text in replies:
        result = interpret(kind, text, unit=target, choices=options, language=lang)
        click.echo(json.dumps({
            "text": text, "understood": result.understood, "value": result.value,
            "unit": result.unit, "red_flags": scan(text),
        }, ensure_ascii=False))
