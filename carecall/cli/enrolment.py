"""`carecall enroll`, `cancel` and `checkins`: discharges in, episodes out, what is planned."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

import click

from assistant.records.models import CHECKIN_STATUSES
from carecall.cli.root import (
    build_cli_services,
    fail,
    load_cli_settings,
    main,
)


@main.command()
@click.option("--name", required=True, help="Patient's full name.")
@click.option("--dob", required=True, help="Date of birth, YYYY-MM-DD.")
@click.option("--phone", required=True, help="Mobile number; +country code or a local number.")
@click.option("--discharged", required=True, help="Discharge time, ISO 8601 (local if no offset).")
@click.option("--flow", "flow_id", required=True, help="Flow id, e.g. general.")
@click.option("--lang", default="en", show_default=True, help="Language of the messages.")
@click.option("--meds", type=click.Path(path_type=Path), help="Medication list (YAML or CSV).")
@click.option("--appointment", help="Follow-up visit, ISO 8601 date-time.")
@click.option("--appointment-with", help="Who the visit is with, e.g. 'Dr. Lee'.")
@click.option("--appointment-at-place", help="Where the visit is, e.g. 'Main Street Clinic'.")
@click.option("--tz", "time_zone", help="Patient's IANA time zone (default: from the phone).")
@click.option("--discharge-weight", help="Weight at discharge, e.g. '182 lb' or '82.5 kg'.")
@click.option("--mrn", help="The hospital's medical record number (with --visit, a second "
                            "enrolment of the same stay changes nothing).")
@click.option("--mrn-authority", help="Who assigned the MRN, when there are several.")
@click.option("--visit", "visit_number", help="The stay's visit (encounter) number.")
@click.option("--caregiver", "caregivers", multiple=True, metavar="SPEC",
              help="A caregiver, repeatable: 'NAME;RELATIONSHIP;PHONE[;LANG][;consent][;proxy]'"
                   ", e.g. 'Maria Rivera;daughter;+1 201 555 0188;es;consent;proxy'. consent: "
                   "the patient agrees they may hear about their health; proxy: they answer "
                   "the check-ins (needs consent).")
@click.option("--diagnosis", "diagnoses", multiple=True, metavar="TEXT",
              help="A diagnosis, repeatable: an ICD-10 code, words, or both, e.g. "
                   "'I50.22 Chronic systolic heart failure'.")
@click.option("--pcp", metavar="NAME;PHONE",
              help="The patient's primary care provider, e.g. 'Dr. Ana Lee;+1 201 555 0100' "
                   "(the phone may be left out).")
@click.option("--pharmacy", metavar="NAME;PHONE",
              help="The patient's pharmacy, e.g. 'Main Street Pharmacy;+1 201 555 0111'.")
def enroll(name: str, dob: str, phone: str, discharged: str, flow_id: str, lang: str,
           meds: Path | None, appointment: str | None, appointment_with: str | None,
           appointment_at_place: str | None, time_zone: str | None,
           discharge_weight: str | None, mrn: str | None, mrn_authority: str | None,
           visit_number: str | None, caregivers: tuple[str, ...],
           diagnoses: tuple[str, ...], pcp: str | None, pharmacy: str | None) -> None:
    """Record a discharge and schedule its check-ins."""
    from zoneinfo import ZoneInfo

    from assistant.intake.care_contacts import contact_from_spec
    from assistant.intake.caregiver_intake import Origin, from_specs, validated_with
    from assistant.intake.enrollment import EnrollmentError, validate_discharge
    from assistant.intake.stays import record_stay
    from assistant.records.db import transaction, upgrade

    settings = load_cli_settings()
    services = build_cli_services(settings)
    kin, unread = from_specs(caregivers)
    pcp_given, pcp_unread = contact_from_spec("--pcp", pcp)
    pharmacy_given, pharmacy_unread = contact_from_spec("--pharmacy", pharmacy)
    read = (kin, unread + pcp_unread + pharmacy_unread)
    try:
        discharge = validated_with(read, lambda kin: validate_discharge(
            settings, services.flows, now=services.clock(),
            name=name, dob=dob, phone=phone, discharged=discharged,
            flow=flow_id, lang=lang, time_zone=time_zone, meds=meds, appointment=appointment,
            appointment_with=appointment_with, appointment_place=appointment_at_place,
            baseline={"weight": discharge_weight} if discharge_weight else None,
            mrn=mrn, mrn_authority=mrn_authority, visit_number=visit_number, caregivers=kin,
            diagnoses=diagnoses, pcp=pcp_given, pharmacy=pharmacy_given,
        ))
    except EnrollmentError as exc:
        for problem in exc.problems[:-1]:
            click.echo(f"error: {problem}", err=True)
        fail(exc.problems[-1])
    upgrade(settings.database_url)
    origin = Origin("enrolment", f"cli:{getpass.getuser()}")
    with transaction(services.sessions) as session:
        recorded = record_stay(session, services, discharge, services.clock(), origin)
        for note in recorded.notes:
            click.echo(f"warning: {note}", err=True)
        episode = recorded.episode
        if recorded.outcome == "unchanged":
            click.echo(f"unchanged: episode {episode.id} (MRN {episode.patient.mrn}, visit "
                       f"{episode.visit_number}) is already recorded as given")
            services.close()
            return
        if recorded.outcome == "updated":
            click.echo(f"updated episode {episode.id}: " + "; ".join(recorded.changes))
        zone = ZoneInfo(episode.patient.time_zone)
        plan = [
            f"{c.label} {c.due_at.replace(tzinfo=ZoneInfo('UTC')).astimezone(zone):%Y-%m-%d %H:%M}"
            f" by {c.channel}"
            for c in episode.checkins if c.status != "cancelled"
        ]
        click.echo(f"enrolled {episode.patient.name} ({episode.patient.phone}) in flow "
                   f"{episode.flow_id}, episode {episode.id}; check-ins ({zone.key}): "
                   + "; ".join(plan))
        if discharge.caregivers:
            click.echo("caregivers: " + "; ".join(
                f"{c.name} ({c.relationship}{', consent' if c.consent else ''}"
                f"{', proxy' if c.is_proxy else ''})" for c in discharge.caregivers))
        stated = [f"{what}: {given}" for what, given in (
            ("diagnoses", ", ".join(discharge.diagnoses)), ("PCP", discharge.pcp),
            ("pharmacy", discharge.pharmacy)) if given]
        if stated:
            click.echo("; ".join(stated))
    services.close()


@main.command()
@click.option("--episode", "episode_id", type=int, help="The episode (hospital stay) to stop.")
@click.option("--phone", help="Stop every episode of the patient with this phone.")
@click.option("--reason", type=click.Choice(["manual", "readmitted", "death"]),
              default="manual", show_default=True)
def cancel(episode_id: int | None, phone: str | None, reason: str) -> None:
    """Cancel what is still scheduled and close a conversation in progress."""
    from sqlalchemy import select

    from assistant.intake.cancellation import cancel_episodes
    from assistant.records.db import transaction, upgrade
    from assistant.records.models import Episode, Patient
    from assistant.records.phones import InvalidPhone, to_e164

    if (episode_id is None) == (phone is None):
        fail("give either --episode ID or --phone NUMBER")
    settings = load_cli_settings()
    upgrade(settings.database_url)
    services = build_cli_services(settings)
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
@click.option("--status", type=click.Choice(CHECKIN_STATUSES),
              help="Only check-ins in this status, e.g. scheduled or unreachable.")
@click.option("--by-deadline", is_flag=True, help="Soonest TCM deadline first.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
def checkins(phone: str | None, status: str | None, by_deadline: bool, as_json: bool) -> None:
    """List check-ins with their due time (patient's clock) and TCM deadline."""
    from assistant.outreach.checkin_list import list_checkins
    from assistant.records.audit import record
    from assistant.records.db import (
        make_engine,
        make_session_factory,
        transaction,
        upgrade,
        utc_now,
    )
    from assistant.records.phones import InvalidPhone, to_e164

    settings = load_cli_settings()
    if phone:
        try:
            phone = to_e164(phone, settings.default_region)
        except InvalidPhone as exc:
            fail(str(exc))
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    with transaction(make_session_factory(engine)) as session:
        rows = list_checkins(session, phone=phone, status=status, by_deadline=by_deadline)
        record(session, actor=f"cli:{getpass.getuser()}", action="viewed", subject="checkins",
               subject_id="*", now=utc_now(), detail=f"{len(rows)} check-ins")
    engine.dispose()
    if as_json:
        click.echo(json.dumps(rows))
        return
    for row in rows:
        click.echo(f"{row['id']:>6}  {row['phone']:<14} {row['flow']:<14} {row['due_at']}  "
                   f"{row['channel']:<5} {row['status']:<12} TCM by {row['tcm_deadline']}")
