"""`/simulator`: chat with any flow as a patient (published, or an admin's draft), by SMS or
voice wording, in English or Spanish, and see the alerts it raises, away from real patients."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response

from assistant.authoring import flow_editor
from assistant.authoring.simulation import SIMULATED_PATIENT, Simulation, remove_stale
from assistant.services import Services
from dashboard.auth import restrict

bp = Blueprint("simulator", __name__, url_prefix="/simulator", template_folder="templates")


restrict(bp, "coordinator", "admin")


def _services() -> Services:
    return current_app.extensions["carecall"]


def _simulation(simulation_id: str) -> Simulation:
    settings = _services().settings
    return Simulation(settings, settings.data_dir / "simulator", simulation_id)


@bp.get("")
def page() -> str:
    services = _services()
    exchange = None
    simulation_id = session.get("simulation")
    if simulation_id:
        simulation = _simulation(simulation_id)
        exchange = simulation.exchange()
        simulation.close()
    return render_template("simulator.html", flows=sorted(services.flows.flows),
                           exchange=exchange, patient=SIMULATED_PATIENT,
                           choice=session.get("simulation_choice", {}))


@bp.post("/start")
def start() -> Response:
    services = _services()
    flow_id = request.form.get("flow", "")
    language = request.form.get("lang", "en")
    channel = request.form.get("channel", "sms")
    if flow_id not in services.flows.flows or language not in ("en", "es") or \
            channel not in ("sms", "voice"):
        abort(400)
    draft = None
    draft_text = request.form.get("source", "").replace("\r\n", "\n")
    if draft_text:  # from the flow editor: the admin's draft, not the version in force
        if current_user.role != "admin":
            abort(403)
        checked = flow_editor.check(services, flow_id, draft_text)
        if checked.flow is None or checked.problems:
            abort(400)
        draft = checked.flow
    if language not in (draft or services.flows.get(flow_id)).languages:
        abort(400)
    remove_stale(services.settings.data_dir / "simulator")
    simulation_id = Simulation.new_id()
    simulation = _simulation(simulation_id)
    simulation.start(flow_id, language, channel, draft)
    simulation.close()
    session["simulation"] = simulation_id
    session["simulation_choice"] = {"flow": flow_id, "lang": language, "channel": channel}
    return redirect(url_for("simulator.page"))


@bp.post("/say")
def say() -> Response:
    simulation_id = session.get("simulation")
    if not simulation_id:
        abort(400)
    simulation = _simulation(simulation_id)
    simulation.say(request.form.get("text", "")[:1000])
    simulation.close()
    return redirect(url_for("simulator.page"))
