"""The hospital feed's troubles, for whoever looks after the interface: every HL7 message we
refused (AR) or could not process (AE), with the reason and the message as received."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask_login import current_user
from sqlalchemy import select

from assistant.records.audit import record
from assistant.records.db import transaction
from assistant.records.interfaces import Hl7Message
from assistant.services import Services

from .auth import restrict

bp = Blueprint("integrations", __name__, url_prefix="/integrations",
               template_folder="templates")
restrict(bp, "coordinator", "admin")


@bp.get("/hl7")
def hl7_problems() -> str:
    services: Services = current_app.extensions["carecall"]
    with transaction(services.sessions) as session:
        problems = list(session.scalars(
            select(Hl7Message).where(Hl7Message.outcome.in_(("refused", "failed")))
            .order_by(Hl7Message.received_at.desc()).limit(200)))
        # The raw messages name patients: reading them is audited like any record.
        record(session, actor=current_user.username, action="viewed", subject="hl7_problems",
               subject_id="*", now=services.clock(), detail=f"{len(problems)} messages")
        return render_template("hl7_problems.html", problems=problems)
