"""`carecall flows`: validate, test and publish the conversation flows."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from assistant.foundation.yamlsource import YamlError
from carecall.cli.root import (
    build_cli_services,
    fail,
    load_cli_settings,
    main,
)


@main.group()
def flows() -> None:
    """Question flows."""


@flows.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def flows_validate(paths: tuple[Path, ...]) -> None:
    """Check flow files or flow ids (default: every flow in the flows folder)."""
    from assistant.authoring.call_length import call_length
    from assistant.conversation.flow_loader import FlowError, load_flow_file
    from assistant.conversation.prompts import PromptCatalogue

    settings = load_cli_settings()
    try:
        prompts = PromptCatalogue.load(settings.prompts_dir)
    except YamlError as exc:
        fail(str(exc))
    files: list[Path] = []
    for path in paths or (settings.flows_dir,):
        by_id = settings.flows_dir / f"{path}.yaml"
        if not path.exists() and by_id.exists():
            path = by_id  # a flow id such as "general"
        files += sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    if not files:
        fail("no flow files found; give a .yaml file or a folder of them")
    broken = 0
    for path in files:
        if not path.exists():
            click.echo(f"{path}: no such file", err=True)
            broken += 1
            continue
        try:
            flow = load_flow_file(path, prompts)
        except FlowError as exc:
            broken += 1
            for problem in exc.problems:
                click.echo(str(problem), err=True)
        except YamlError as exc:
            broken += 1
            click.echo(str(exc), err=True)
        else:
            click.echo(f"{path}: ok ({len(flow.questions)} questions, {len(flow.rules)} rules, "
                       f"{len(flow.tests)} tests, languages {', '.join(flow.languages)})")
            for language in flow.languages:
                click.echo(f"  {language}: {call_length(flow, prompts, language)}")
            for warning in flow.warnings:
                click.echo(f"  warning: {warning}")
    if broken:
        sys.exit(1)


@flows.command("test")
@click.argument("flow_ids", nargs=-1)
def flows_test(flow_ids: tuple[str, ...]) -> None:
    """Run each flow's test conversations (default: every flow)."""
    from assistant.authoring.flowtests import run_flow_tests
    from assistant.conversation.flow_loader import FlowLibrary
    from assistant.conversation.prompts import PromptCatalogue

    settings = load_cli_settings()
    try:
        library = FlowLibrary.load(settings.flows_dir, PromptCatalogue.load(settings.prompts_dir))
    except (YamlError, ValueError) as exc:
        fail(f"flows are broken, run 'carecall flows validate': {exc}")
    unknown = [flow_id for flow_id in flow_ids if flow_id not in library.flows]
    if unknown:
        fail(f"unknown flow {unknown[0]!r} (known flows: {', '.join(sorted(library.flows))})")
    chosen = [library.flows[flow_id] for flow_id in flow_ids or sorted(library.flows)]
    results = run_flow_tests(settings, chosen)
    for result in results:
        click.echo(f"{'PASS' if result.passed else 'FAIL'} {result.flow}: {result.name}")
        for problem in result.problems:
            click.echo(f"     {problem}")
    failed = sum(not result.passed for result in results)
    click.echo(f"{len(results) - failed} passed, {failed} failed")
    if failed or not results:
        sys.exit(1)


@flows.command("publish")
@click.argument("flow_id")
def flows_publish(flow_id: str) -> None:
    """Publish the flow file as the version in force (after its tests pass), also over an
    admin's version from the editor. The file's clinical sign-off is its review in the
    repository, before deployment; a draft written in the app's editor goes live only when a
    second admin signs it off there."""
    from assistant.authoring.flowtests import run_flow_tests
    from assistant.records.db import transaction, upgrade

    settings = load_cli_settings()
    services = build_cli_services(settings)
    if flow_id not in services.flows.flows:
        fail(f"unknown flow {flow_id!r} (known flows: {', '.join(sorted(services.flows.flows))})")
    flow = services.flows.flows[flow_id]
    failures = [r for r in run_flow_tests(settings, [flow]) if not r.passed]
    if failures:
        for result in failures:
            click.echo(f"FAIL {result.name}: {'; '.join(result.problems)}", err=True)
        fail(f"{len(failures)} test conversation(s) failed; nothing was published")
    upgrade(settings.database_url)
    with transaction(services.sessions) as session:
        version = services.versions.publish(session, flow, services.clock(), origin="file",
                                            actor="cli")
        click.echo(f"{flow_id} v{version.version} is in force")
    services.close()
