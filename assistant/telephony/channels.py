"""Outbound channels. Twilio is reached only through the official client; the demo and tests
replace its HTTP client (the library's own hook), never the library."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Protocol

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client


class SendError(Exception):
    """Twilio said no: the message was not sent."""

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


class SendOutcomeUnknown(Exception):
    """The request may or may not have reached Twilio: reconcile, never resend blindly."""


@contextmanager
def _twilio_outcome() -> Iterator[None]:
    """Twilio's answer to a create, as ours: refused (retryable only on 429, error 20429,
    the one refusal known not to have gone out) or unknown (never resend blindly)."""
    try:
        yield
    except TwilioRestException as exc:
        raise SendError(f"Twilio error {exc.code}: {exc.msg}",
                        retryable=exc.status == 429) from exc
    except (TwilioException, OSError) as exc:
        raise SendOutcomeUnknown(str(exc)) from exc


def outcome_of(request: Callable[[], str], success: str) -> tuple[str, str | None, str | None]:
    """Make one Twilio create request: (outcome, sid, error), the outcome being `success`,
    "retry" (429, safe to repeat), "failed" (refused) or "unknown" (it may have gone out:
    never repeat blindly)."""
    try:
        sid = request()
    except SendError as exc:
        return ("retry" if exc.retryable else "failed"), None, str(exc)
    except SendOutcomeUnknown as exc:
        return "unknown", None, str(exc)
    return success, sid, None


class Channel(Protocol):
    name: str

    def send(self, to: str, body: str, sender: str | None = None) -> str:
        """Send one message (from `sender`, or the channel's own); return the provider's
        SID."""
        ...

    def sent_matching(self, to: str, body: str, since: datetime) -> list[str]:
        """SIDs of messages with this text the provider accepted for `to` since `since`:
        how a send whose outcome was lost is reconciled."""
        ...


class TwilioSms:
    name = "sms"

    def __init__(self, client: Client, *, from_number: str = "", messaging_service_sid: str = "",
                 status_callback: str | None = None) -> None:
        if not (from_number or messaging_service_sid):
            raise ValueError("an SMS channel needs a sender number or a messaging service SID")
        self.client = client
        self.from_number = from_number
        self.messaging_service_sid = messaging_service_sid
        self.status_callback = status_callback

    def send(self, to: str, body: str, sender: str | None = None) -> str:
        sender = sender or self.messaging_service_sid or self.from_number
        # A messaging service SID starts with MG; anything else is a phone number.
        origin = ({"messaging_service_sid": sender} if sender.startswith("MG")
                  else {"from_": sender})
        extra = {"status_callback": self.status_callback} if self.status_callback else {}
        with _twilio_outcome():
            message = self.client.messages.create(to=to, body=body, **origin, **extra)
        return str(message.sid)

    def sent_matching(self, to: str, body: str, since: datetime) -> list[str]:
        # Not Twilio's DateSent filter: a message still queued has no date sent, so the filter
        # would hide it and it would be sent again. The patient's newest messages, compared by
        # creation date (a day's margin for clocks), include the queued ones.
        try:
            recent = self.client.messages.list(to=to, limit=200)
        except (TwilioException, OSError) as exc:
            raise SendOutcomeUnknown(f"could not list messages: {exc}") from exc
        # Only what our API requests created (not TwiML replies, direction "outbound-reply"),
        # from one of our numbers, since shortly before the message was recorded: the same
        # question asked on another day is not this message.
        margin = since - timedelta(minutes=10)
        return [str(m.sid) for m in recent if m.body == body
                and m.direction in (None, "outbound-api")
                and (m.date_created is None or m.date_created.replace(tzinfo=None) >= margin)]


class TwilioVoice:
    """Outbound calls; what is said is TwiML our webhooks answer with."""

    name = "voice"

    def __init__(self, client: Client, *, from_number: str) -> None:
        self.client = client
        self.from_number = from_number

    def call(self, to: str, answer_url: str, status_callback: str) -> str:
        with _twilio_outcome():
            call = self.client.calls.create(
                to=to, from_=self.from_number, url=answer_url, method="POST",
                status_callback=status_callback, status_callback_method="POST",
                # Answering machine detection: a machine gets a short message without any
                # health information.
                machine_detection="Enable",
            )
        return str(call.sid)

    def placed_since(self, to: str, since: datetime) -> list[str]:
        """SIDs of calls Twilio created to `to` since `since` (newest first): how a call whose
        create request lost its answer is found before anyone rings the patient again."""
        try:
            recent = self.client.calls.list(to=to, limit=20)
        except (TwilioException, OSError) as exc:
            raise SendOutcomeUnknown(f"could not list calls: {exc}") from exc
        margin = since - timedelta(minutes=1)
        return [str(call.sid) for call in recent
                if call.date_created is None or call.date_created.replace(tzinfo=None) >= margin]
