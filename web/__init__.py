"""The Flask app factory: the web side of the composition root."""

from __future__ import annotations

from flask import Flask

from assistant.services import Services
from assistant.voice_calls import VoiceCalls
from dashboard.alerts import bp as dashboard_bp
from webhooks.sms import bp as twilio_bp
from webhooks.voice import bp as voice_bp


def create_app(services: Services) -> Flask:
    app = Flask(__name__)
    app.config.update(MAX_CONTENT_LENGTH=64 * 1024)
    app.extensions["carecall"] = services
    app.extensions["carecall.voice"] = VoiceCalls(services)
    app.register_blueprint(twilio_bp)
    app.register_blueprint(voice_bp)
    app.register_blueprint(dashboard_bp)
    return app
