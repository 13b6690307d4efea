"""The baseline web app: a bare Flask handler answering /twilio/sms with fixed TwiML (the
same reply Carecall gives), served by the same gunicorn settings as the real app."""

from __future__ import annotations

import os

from flask import Flask, Response

app = Flask("bare")
TWIML = os.environ.get("BENCH_TWIML", "<Response/>")


@app.post("/twilio/sms")
def sms() -> Response:
    return Response(TWIML, mimetype="application/xml")
