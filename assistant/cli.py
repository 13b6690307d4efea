"""`carecall`: the command line. Names, flags and JSON here are a contract other tools use."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import NoReturn

import click

from .config import ConfigError, Settings, load_settings, twilio_token_problem, web_settings_problem
from .yamlsource import YamlError


def fail(message: str) -> NoReturn:
    """Bad input: one line on stderr saying what is wrong and how to fix it, exit code 2."""
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        fail(str(exc))


def _require_real_twilio(settings: Settings) -> None:
    if problem := twilio_token_problem(settings):
        fail(problem)


def _services(settings: Settings, **kwargs):  # type: ignore[no-untyped-def]
    from .services import build_services

    try:
        return build_services(settings, **kwargs)
    except YamlError as exc:
        fail(f"flows or prompts are broken, run 'carecall flows validate': {exc}")
    except ValueError as exc:
        fail(str(exc))


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log what the workers and webhooks do.")
def main(verbose: bool) -> None:
    """Carecall: post-discharge check-ins by SMS and phone, with alerts for the care team."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


# -- database -------------------------------------------------------------------------------

@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply the migrations to CARECALL_DATABASE_URL."""
    from .db import upgrade

    settings = _settings()
    upgrade(settings.database_url)
    click.echo(f"database is up to date: {_safe_url(settings.database_url)}")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


# -- enrolment ------------------------------------------------------------------------------

@main.command()
@click.option("--name", required=True, help="Patient's full name.")
@click.option("--dob", required=True, help="Date of birth, YYYY-MM-DD.")
@click.option("--phone", required=True, help="Mobile number; +country code or a local number.")
@click.option("--discharged", required=True, help="Discharge time, ISO 8601 (local if no offset).")
@click.option("--flow", "flow_id", required=True, help="Flow id, e.g. general.")
@click.option("--lang", default="en", show_default=True, help="Language of the messages.")
@click.option("--meds", type=click.Path(path_type=Path), help="Medication list (YAML or CSV).")
@click.option("--appointment", help="Follow-up visit, ISO 8601 date-time.")
@click.option("--tz", "time_zone", help="Patient's IANA time zone (default: from the phone).")
@click.option("--discharge-weight", help="Weight at discharge, e.g. '182 lb' or '82.5 kg'.")
def enroll(name: str, dob: str, phone: str, discharged: str, flow_id: str, lang: str,
           meds: Path | None, appointment: str | None, time_zone: str | None,
           discharge_weight: str | None) -> None:
    """Record a discharge and schedule its check-ins."""
    from zoneinfo import ZoneInfo

    from .db import transaction, upgrade
    from .enrollment import EnrollmentError, validate_discharge
    from .enrollment import enroll as enroll_discharge

    settings = _settings()
    services = _services(settings)
    try:
        discharge = validate_discharge(
            settings, services.flows, name=name, dob=dob, phone=phone, discharged=discharged,
            flow=flow_id, lang=lang, time_zone=time_zone, meds=meds, appointment=appointment,
            baseline={"weight": discharge_weight} if discharge_weight else None,
        )
    except EnrollmentError as exc:
        fail(str(exc))
    upgrade(settings.database_url)
    with transaction(services.sessions) as session:
        episode = enroll_discharge(session, services, discharge, services.clock())
        zone = ZoneInfo(episode.patient.time_zone)
        plan = [
            f"{c.label} {c.due_at.replace(tzinfo=ZoneInfo('UTC')).astimezone(zone):%Y-%m-%d %H:%M}"
            f" by {c.channel}"
            for c in episode.checkins
        ]
        click.echo(f"enrolled {episode.patient.name} ({episode.patient.phone}) in flow "
                   f"{episode.flow_id}, episode {episode.id}; check-ins ({zone.key}): "
                   + "; ".join(plan))
    services.close()


@main.command()
@click.option("--episode", "episode_id", type=int, help="The episode (hospital stay) to stop.")
@click.option("--phone", help="Stop every episode of the patient with this phone.")
@click.option("--reason", type=click.Choice(["manual", "readmitted", "death"]),
              default="manual", show_default=True)
def cancel(episode_id: int | None, phone: str | None, reason: str) -> None:
    """Cancel what is still scheduled and close a conversation in progress."""
    from sqlalchemy import select

    from .cancellation import cancel_episodes
    from .db import transaction, upgrade
    from .models import Episode, Patient
    from .phones import InvalidPhone, to_e164

    if (episode_id is None) == (phone is None):
        fail("give either --episode ID or --phone NUMBER")
    settings = _settings()
    upgrade(settings.database_url)
    services = _services(settings)
    query = select(Episode.id)
    if episode_id is not None:
        query = query.where(Episode.id == episode_id)
    else:
        try:
            number = to_e164(phone or "", settings.default_region)
        except InvalidPhone as exc:
            fail(str(exc))
        query = query.join(Patient).where(Patient.phone == number)
    with transaction(services.sessions) as session:
        episodes = list(session.scalars(query))
        if not episodes:
            fail(f"no episode matches {'episode ' + str(episode_id) if episode_id else phone}; "
                 "see 'carecall checkins'")
        count = cancel_episodes(session, services.dialogue, episodes, reason, services.clock())
    services.close()
    click.echo(f"cancelled {count} scheduled check-in(s) in {len(episodes)} episode(s) "
               f"({reason})")


@main.command()
@click.option("--phone", help="Only this patient's check-ins (any format; stored as E.164).")
@click.option("--status", help="Only check-ins in this status, e.g. scheduled or unreachable.")
@click.option("--by-deadline", is_flag=True, help="Soonest TCM deadline first.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
def checkins(phone: str | None, status: str | None, by_deadline: bool, as_json: bool) -> None:
    """List check-ins with their due time (patient's clock) and TCM deadline."""
    from .checkin_list import list_checkins
    from .db import make_engine, make_session_factory, upgrade
    from .phones import InvalidPhone, to_e164

    settings = _settings()
    if phone:
        try:
            phone = to_e164(phone, settings.default_region)
        except InvalidPhone as exc:
            fail(str(exc))
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    with make_session_factory(engine)() as session:
        rows = list_checkins(session, phone=phone, status=status, by_deadline=by_deadline)
    engine.dispose()
    if as_json:
        click.echo(json.dumps(rows))
        return
    for row in rows:
        click.echo(f"{row['id']:>6}  {row['phone']:<14} {row['flow']:<14} {row['due_at']}  "
                   f"{row['channel']:<5} {row['status']:<12} TCM by {row['tcm_deadline']}")


# -- the care team ---------------------------------------------------------------------------

def _session_scope():  # type: ignore[no-untyped-def]
    from .db import make_engine, make_session_factory, transaction, upgrade

    settings = _settings()
    upgrade(settings.database_url)
    return settings, transaction(make_session_factory(make_engine(settings.database_url)))


def _change(work, *refusals: type[Exception]):  # type: ignore[no-untyped-def]
    """Run `work(session, settings, now)` in one transaction; a refusal is a clear error."""
    from .db import utc_now

    settings, scope = _session_scope()
    try:
        with scope as session:
            return work(session, settings, utc_now())
    except refusals as exc:
        fail(str(exc))


@main.group()
def users() -> None:
    """Coordinators and admins: who is notified, when, and who backs them up."""


@users.command("add")
@click.argument("username")
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(["coordinator", "admin"]), default="coordinator",
              show_default=True)
@click.option("--phone", help="Mobile for SMS notifications.")
@click.option("--email", help="Address for e-mail notifications.")
@click.option("--on-call", default="always", show_default=True,
              help='Hours like "Mon-Fri 08:00-17:00" (default time zone), or "always".')
def users_add(username: str, name: str, role: str, phone: str | None, email: str | None,
              on_call: str) -> None:
    from .roster import RosterError, add_user

    user = _change(lambda session, settings, now: add_user(
        session, settings, username=username, name=name, role=role, phone=phone, email=email,
        on_call=on_call, now=now, actor="cli"), RosterError)
    click.echo(f"added {user.username} ({user.role}), on call {user.on_call}")


@users.command("set-backup")
@click.argument("username")
@click.argument("backup")
def users_set_backup(username: str, backup: str) -> None:
    from .roster import RosterError, set_backup

    _change(lambda session, _, now: set_backup(session, username, backup, now, "cli"),
            RosterError)
    click.echo(f"{backup} now backs up {username}")


@users.command("set-password")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Asked for when not given (input hidden).")
def users_set_password(username: str, password: str) -> None:
    """Let a user sign in to the pages."""
    from .accounts import AccountError, set_password
    from .roster import RosterError, find

    _change(lambda session, _, now: set_password(session, find(session, username), password,
                                                 now, "cli"), RosterError, AccountError)
    click.echo(f"{username} can sign in")


@main.group()
def tokens() -> None:
    """API tokens for hospital systems."""


@tokens.command("issue")
@click.argument("name")
def tokens_issue(name: str) -> None:
    """Print a new token once; only its hash is kept."""
    from .accounts import AccountError, issue_token

    click.echo(_change(lambda session, _, now: issue_token(session, name, now, "cli"),
                       AccountError))


@tokens.command("revoke")
@click.argument("name")
def tokens_revoke(name: str) -> None:
    from .accounts import AccountError, revoke_token

    _change(lambda session, _, now: revoke_token(session, name, now, "cli"), AccountError)
    click.echo(f"token {name} revoked")


@tokens.command("list")
def tokens_list() -> None:
    from sqlalchemy import select

    from .models import ApiToken

    _, scope = _session_scope()
    with scope as session:
        for token in session.scalars(select(ApiToken).order_by(ApiToken.id)):
            state = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "active"
            click.echo(f"{token.name:<24} issued {token.created_at:%Y-%m-%d}  {state}")


@users.command("deactivate")
@click.argument("username")
def users_deactivate(username: str) -> None:
    from .roster import RosterError, deactivate

    _change(lambda session, _, now: deactivate(session, username, now, "cli"), RosterError)
    click.echo(f"{username} gets no more notifications")


@users.command("list")
def users_list() -> None:
    from sqlalchemy import select

    from .models import User

    _, scope = _session_scope()
    with scope as session:
        for user in session.scalars(select(User).order_by(User.id)):
            backup = user.backup.username if user.backup else "-"
            click.echo(f"{user.username:<16} {user.role:<12} {user.phone or '-':<14} "
                       f"{user.email or '-':<28} on call {user.on_call}; backup {backup}"
                       + ("" if user.active else " (inactive)"))


@main.group()
def alerts() -> None:
    """Acknowledge and resolve alerts (the dashboard does the same)."""


def _alert_and_user(session, alert_id: int, username: str):  # type: ignore[no-untyped-def]
    from .models import Alert
    from .roster import RosterError, find

    alert = session.get(Alert, alert_id)
    if alert is None:
        fail(f"there is no alert {alert_id}")
    try:
        return alert, find(session, username)
    except RosterError as exc:
        fail(str(exc))


@alerts.command("ack")
@click.argument("alert_id", type=int)
@click.option("--by", "username", required=True, help="Your user name.")
def alerts_ack(alert_id: int, username: str) -> None:
    from .alert_lifecycle import acknowledge
    from .db import utc_now

    _, scope = _session_scope()
    with scope as session:
        alert, user = _alert_and_user(session, alert_id, username)
        done = acknowledge(session, alert, user, utc_now())
        click.echo(f"alert {alert_id} " + ("acknowledged" if done else f"was {alert.status}"))


@alerts.command("resolve")
@click.argument("alert_id", type=int)
@click.option("--by", "username", required=True, help="Your user name.")
@click.option("--resolution", required=True, type=click.Choice(
    ["reached_by_phone", "sent_to_emergency_care", "appointment_made", "no_action_needed",
     "other"]))
@click.option("--note", help="What was done.")
def alerts_resolve(alert_id: int, username: str, resolution: str, note: str | None) -> None:
    from .alert_lifecycle import LifecycleError, resolve
    from .db import utc_now

    _, scope = _session_scope()
    try:
        with scope as session:
            alert, user = _alert_and_user(session, alert_id, username)
            resolve(session, alert, user, resolution, note, utc_now())
    except LifecycleError as exc:
        fail(str(exc))
    click.echo(f"alert {alert_id} resolved ({resolution})")


@main.group()
def audit() -> None:
    """The append-only audit log."""


@audit.command("export")
@click.option("--since", help="Only events from this ISO 8601 date-time (UTC).")
@click.option("--format", "form", type=click.Choice(["jsonl", "csv"]), default="jsonl",
              show_default=True)
def audit_export(since: str | None, form: str) -> None:
    from datetime import datetime

    from .audit import events, export

    start = None
    if since:
        try:
            start = datetime.fromisoformat(since).replace(tzinfo=None)
        except ValueError:
            fail(f"--since {since!r} is not an ISO 8601 date-time")
    _, scope = _session_scope()
    with scope as session:
        click.echo(export(events(session, start), form), nl=False)


# -- flows ----------------------------------------------------------------------------------

@main.group()
def flows() -> None:
    """Question flows."""


@flows.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def flows_validate(paths: tuple[Path, ...]) -> None:
    """Check flow files or flow ids (default: every flow in the flows folder)."""
    from .call_length import call_length
    from .flow_loader import FlowError, load_flow_file
    from .prompts import PromptCatalogue

    settings = _settings()
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
    from .flow_loader import FlowLibrary
    from .flowtests import run_flow_tests
    from .prompts import PromptCatalogue

    settings = _settings()
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
    admin's version from the editor."""
    from .db import transaction, upgrade
    from .flowtests import run_flow_tests

    settings = _settings()
    services = _services(settings)
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


# -- conversation ---------------------------------------------------------------------------

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
    from .converse import Script, ScriptError, format_report
    from .converse import converse as run
    from .enrollment import EnrollmentError

    settings = _settings()
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
    from .safety import scan
    from .understanding import UNIT_NAMES, interpret

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


# -- processes ------------------------------------------------------------------------------

@main.command()
def worker() -> None:
    """Run the scheduler: claim due check-ins and send them (production)."""
    from .db import upgrade
    from .worker import run_worker
    from .worker_lock import WorkerAlreadyRunning, single_sqlite_worker

    settings = _settings()
    _require_real_twilio(settings)
    try:
        with single_sqlite_worker(settings.database_url):
            upgrade(settings.database_url)
            run_worker(_services(settings))
    except WorkerAlreadyRunning as exc:
        fail(str(exc))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
def serve(host: str, port: int) -> None:
    """Serve the webhooks and the alerts page (development server; in production run
    gunicorn 'web.wsgi:production_app()')."""
    from werkzeug.serving import run_simple

    from web import create_app

    from .db import upgrade

    settings = _settings()
    if problem := web_settings_problem(settings):
        fail(problem)
    upgrade(settings.database_url)
    run_simple(host, port, create_app(_services(settings)), threaded=True)


@main.command()
@click.option("--script", "script_path", type=click.Path(path_type=Path),
              help="Replies to send as the patient instead of asking at the terminal.")
@click.option("--port", default=0, help="Port for the local web app (default: any free one).")
@click.option("--channel", type=click.Choice(["sms", "voice"]), default="sms", show_default=True,
              help="Check in by text message or by phone call.")
def demo(script_path: Path | None, port: int, channel: str) -> None:
    """Everything in one process on SQLite with the simulated phone."""
    from .demo import load_demo_script, run_demo

    replies = None
    if script_path is not None:
        try:
            replies = load_demo_script(script_path)
        except (OSError, ValueError) as exc:
            fail(str(exc))
    sys.exit(run_demo(_settings(), replies, port, channel=channel))
