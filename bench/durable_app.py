"""The durable floor: the bare handler that also keeps what it was sent, one row committed
on the benchmark's database (with the app's own engine settings: WAL and a full sync on
SQLite, writers taking turns) before it answers. No handler that must not lose a patient's
answer can be faster, so the SMS turn is compared with this as well as with the bare
handler, which keeps nothing."""

from __future__ import annotations

import os
from functools import cache

from flask import Flask, Response, request
from sqlalchemy import Column, Engine, Integer, MetaData, Table, Text, insert

from assistant.records.db import make_engine, writer_lock

from .bare_app import TWIML

app = Flask("durable")
KEPT = Table("bench_floor", MetaData(), Column("id", Integer, primary_key=True),
             Column("body", Text))
KEEP = insert(KEPT)


@cache
def _database() -> Engine:
    return make_engine(os.environ["CARECALL_DATABASE_URL"])  # the bench made the table


def make_table(url: str) -> None:
    """Before the server starts: its threads and processes would race to create it."""
    engine = make_engine(url)
    KEPT.create(engine, checkfirst=True)
    engine.dispose()


@app.post("/twilio/sms")
def sms() -> Response:
    engine = _database()
    with writer_lock(engine), engine.begin() as connection:
        connection.execute(KEEP, {"body": request.form.get("Body", "")})
    return Response(TWIML, mimetype="application/xml")
