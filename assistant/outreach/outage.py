"""Answering a patient's text while the database is away: the red-flag scan needs only the
text, so an emergency is told to call 911 (988 for self-harm) at once; anything else is told,
truthfully, that an answer will follow. The text itself goes to the spool for replay."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant.conversation.turns import emergency_prompts
from assistant.outreach.spool import Spooled
from assistant.safety import assess

if TYPE_CHECKING:  # the wiring (assistant.services) imports this module
    from assistant.services import Services

log = logging.getLogger(__name__)
# Without the patient's record there is no language on file: a few words tell Spanish apart.
SPANISH = re.compile(r"[ñ¿¡áéíóú]|\b(tengo|estoy|siento|dolor|pecho|puedo|ayuda|muy|mucho|"
                     r"mi|me|el|la|los|las|que|pero|hoy|ayer|gracias|bien|mal)\b", re.I)


@dataclass(frozen=True)
class InboundSms:
    sid: str
    from_number: str
    to_number: str
    body: str
    raw: str | None = None  # the fields as received, when cleaning had to change them


def answer_and_spool(services: Services, sms: InboundSms, maybe_stored: bool = False) -> list[str]:
    """`maybe_stored`: the database failed while committing the text's turn, which may have
    taken effect (the replay then sends the answers it stored instead of taking it again)."""
    language = "es" if len(SPANISH.findall(sms.body)) >= 2 else "en"
    emergencies = assess(sms.body).emergencies
    # The usual emergency words say the team has been alerted; without the database that
    # happens only on replay, so these say what is true.
    prompt_ids = [f"{prompt_id}_offline" for prompt_id in emergency_prompts(emergencies)] \
        if emergencies else ["outage_reply"]
    values = {"provider": services.settings.provider_name,
              "callback": services.settings.callback_number}
    replies = [services.prompts.render(prompt_id, language, "sms", **values)
               for prompt_id in prompt_ids]
    try:
        services.spool.keep(Spooled(sms.sid, sms.from_number, sms.to_number, sms.body,
                                    services.clock().isoformat(),
                                    tuple(replies), sms.raw, maybe_stored))
    except OSError:
        # Nowhere to keep it: the patient must not be promised an answer, nor that the team
        # will see the message.
        log.critical("inbound SMS %s from %s lost: neither the database nor the spool "
                     "could take it", sms.sid, sms.from_number[-4:])
        prompt_ids = [f"{prompt_id}_lost" for prompt_id in emergency_prompts(emergencies)] \
            if emergencies else ["outage_lost"]
        return [services.prompts.render(prompt_id, language, "sms", **values)
                for prompt_id in prompt_ids]
    watch_spool(services)
    return replies


def watch_spool(services: Services) -> None:
    """Have this process replay its spool once the database answers (a web host's spool is
    its own: no other process will)."""
    from assistant.outreach.replay import keep_replaying

    keep_replaying(services)
