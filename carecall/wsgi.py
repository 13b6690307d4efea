"""The entry point for production WSGI servers: gunicorn 'carecall.wsgi:production_app()'.

Settings come from the CARECALL_* environment, as for `carecall serve`; the database is
migrated once per deployment (`carecall db upgrade`), not by every web process.
"""

from __future__ import annotations

from flask import Flask

from assistant.foundation.config import load_settings, web_settings_problem
from assistant.services import build_services
from carecall.web import create_app


class NotConfigured(RuntimeError):
    """The web process would be unsafe to start (say, no Twilio auth token to check)."""


def production_app() -> Flask:
    settings = load_settings()
    if problem := web_settings_problem(settings):
        raise NotConfigured(problem)
    return create_app(build_services(settings))
