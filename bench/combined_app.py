"""Carecall and its bare baseline in one WSGI app, so both are timed on the same server:
the same gunicorn processes, threads and connections."""

from __future__ import annotations

from werkzeug.middleware.dispatcher import DispatcherMiddleware

from carecall.wsgi import production_app

from .bare_app import app as bare_app

BARE_PREFIX = "/bare"


def combined() -> DispatcherMiddleware:
    return DispatcherMiddleware(production_app(), {BARE_PREFIX: bare_app})
