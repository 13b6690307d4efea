"""Carecall and its baselines (the bare handler, and the durable floor that also commits a
row) in one WSGI app, so all are timed on the same server: the same gunicorn processes,
threads and connections."""

from __future__ import annotations

from werkzeug.middleware.dispatcher import DispatcherMiddleware

from carecall.wsgi import production_app

from .bare_app import app as bare_app
from .durable_app import app as durable_app

BARE_PREFIX = "/bare"
DURABLE_PREFIX = "/durable"


def combined() -> DispatcherMiddleware:
    return DispatcherMiddleware(production_app(), {BARE_PREFIX: bare_app,
                                                   DURABLE_PREFIX: durable_app})
