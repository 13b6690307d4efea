"""The composition root of the core: settings in, everything wired together out.

Both the web app and the worker start here, so they share one way of building things and
tests can hand in a simulated network, a fixed clock or another database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from twilio.http import HttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from assistant.care_team.promises import Promises
from assistant.care_team.roster_phones import RosterPhones
from assistant.conversation.chart import ChartCache
from assistant.conversation.dialogue import Dialogue
from assistant.conversation.flow_loader import FlowLibrary
from assistant.conversation.flow_versions import FlowVersions
from assistant.conversation.prompts import PromptCatalogue
from assistant.conversation.wording import Wording
from assistant.foundation.config import Settings
from assistant.outreach.lean_turn import LeanTurns
from assistant.outreach.outbox import default_worker_id
from assistant.outreach.senders import SenderPool
from assistant.outreach.spool import Spool
from assistant.records.db import make_engine, make_session_factory, utc_now
from assistant.telephony.channels import Channel, TwilioSms, TwilioVoice

Clock = Callable[[], datetime]


@dataclass
class Services:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    prompts: PromptCatalogue
    flows: FlowLibrary
    versions: FlowVersions
    dialogue: Dialogue
    sms: Channel
    voice: TwilioVoice
    clock: Clock
    senders: SenderPool
    worker_id: str  # who holds the messages this process records and sends
    spool: Spool  # texts kept on local disk while the database is away
    roster: RosterPhones  # the care team's phones, asked of every text
    lean_turns: LeanTurns  # the SMS turn's hot path, its statements built for this database

    def url(self, path: str) -> str:
        """The public URL Twilio calls for `path` (signatures are checked against it)."""
        return self.settings.public_base_url.rstrip("/") + path

    def close(self) -> None:
        self.engine.dispose()


# Far below the claim lease: a request cannot still be in flight when its hold expires and a
# reconciler takes the message over.
TWILIO_TIMEOUT_SECONDS = 10


def twilio_client(settings: Settings, http_client: HttpClient | None = None) -> Client:
    return Client(settings.twilio_account_sid, settings.twilio_auth_token,
                  http_client=http_client or TwilioHttpClient(timeout=TWILIO_TIMEOUT_SECONDS))


def build_services(
    settings: Settings, *, twilio_http: HttpClient | None = None, clock: Clock = utc_now,
    engine: Engine | None = None,
) -> Services:
    prompts = PromptCatalogue.load(settings.prompts_dir)
    flows = FlowLibrary.load(settings.flows_dir, prompts)
    versions = FlowVersions(prompts)
    engine = engine or make_engine(settings.database_url, settings.db_timeout_ms)
    base = settings.public_base_url.rstrip("/")
    client = twilio_client(settings, twilio_http)
    sms = TwilioSms(
        client,
        from_number=settings.twilio_from_number,
        messaging_service_sid=settings.twilio_messaging_service_sid,
        status_callback=f"{base}/twilio/status",
    )
    sessions = make_session_factory(engine)
    roster = RosterPhones()
    roster.watch(sessions)
    return Services(
        settings=settings,
        engine=engine,
        sessions=sessions,
        prompts=prompts,
        flows=flows,
        versions=versions,
        dialogue=Dialogue(Wording(prompts, settings), versions, ChartCache(), Promises(settings),
                          max_replies=settings.max_replies_per_conversation),
        sms=sms,
        voice=TwilioVoice(client, from_number=settings.twilio_from_number),
        clock=clock,
        senders=SenderPool(settings.sender, settings.send_rate_per_second),
        worker_id=default_worker_id(),
        spool=Spool(settings.data_dir / "spool"),
        roster=roster,
        lean_turns=LeanTurns(engine.dialect),
    )
