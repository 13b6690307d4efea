"""Settings come from CARECALL_* environment variables so one build runs anywhere."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from assistant.foundation.business_days import check_calendar
from assistant.foundation.office_hours import parse_office_hours

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class ConfigError(ValueError):
    """A setting is present but unusable; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("data")
    database_url: str = ""
    twilio_account_sid: str = "AC00000000000000000000000000000000"
    twilio_auth_token: str = "simulated-auth-token"
    twilio_from_number: str = "+12015550199"
    twilio_messaging_service_sid: str = ""
    public_base_url: str = "http://127.0.0.1:5000"
    default_region: str = "US"
    default_timezone: str = "America/New_York"
    provider_name: str = "Riverside Hospital"
    callback_number: str = "+12015550100"
    flows_dir: Path = PROJECT_ROOT / "flows"
    prompts_dir: Path = PROJECT_ROOT / "prompts"
    tick_seconds: int = 30
    conversation_timeout_hours: int = 24
    max_replies_per_conversation: int = 40
    holiday_calendar: str = "US"
    max_contacts_per_day: int = 1
    max_contacts_per_week: int = 3
    reminder_after_hours: int = 24
    unreachable_after_hours: int = 24
    send_rate_per_second: float = 1.0
    claim_lease_seconds: int = 300
    dispatch_batch_max: int = 500
    db_timeout_ms: int = 5000
    spool_replay_seconds: int = 5
    tcm_warning_hours: int = 12
    contact_hours: str = "8-21"
    nurse_line: str = ""
    office_hours: str = "Mon-Fri 08:00-17:00"
    max_call_attempts: int = 3
    call_retry_minutes: int = 240
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_sender: str = "carecall@localhost"
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    ack_minutes_emergency: int = 5
    ack_minutes_urgent: int = 60
    digest_hour: int = 8
    secret_key: str = ""
    idle_minutes: int = 30

    def __post_init__(self) -> None:
        if not self.database_url:
            object.__setattr__(
                self, "database_url", f"sqlite:///{(self.data_dir / 'carecall.db').as_posix()}"
            )
        try:
            start, end = self.contact_window
        except ValueError:
            start, end = -1, -1
        if not 8 <= start < end <= 21:
            raise ConfigError(f"CARECALL_CONTACT_HOURS={self.contact_hours!r}: give local hours "
                              "START-END inside 8-21, for example 9-20")
        try:
            parse_office_hours(self.office_hours)
        except ValueError as exc:
            raise ConfigError(f"CARECALL_OFFICE_HOURS={self.office_hours!r}: {exc}") from exc
        if not 100 <= self.db_timeout_ms <= 60_000:
            raise ConfigError("CARECALL_DB_TIMEOUT_MS must be between 100 and 60000")
        if self.send_rate_per_second <= 0:
            raise ConfigError("CARECALL_SEND_RATE_PER_SECOND must be more than 0")
        if self.dispatch_batch_max < 1:
            raise ConfigError("CARECALL_DISPATCH_BATCH_MAX must be at least 1")
        try:
            check_calendar(self.holiday_calendar)
        except ValueError as exc:
            raise ConfigError(f"CARECALL_HOLIDAY_CALENDAR: {exc}") from exc
        try:
            ZoneInfo(self.default_timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(
                f"CARECALL_DEFAULT_TIMEZONE={self.default_timezone!r} is not an IANA time zone "
                "(for example America/Chicago)"
            ) from exc

    @property
    def contact_window(self) -> tuple[int, int]:
        start, _, end = self.contact_hours.partition("-")
        return int(start), int(end)

    @property
    def transfer_number(self) -> str:
        return self.nurse_line or self.callback_number

    @property
    def sender(self) -> str:
        return self.twilio_messaging_service_sid or self.twilio_from_number

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]


def _flag(text: str) -> bool:
    if text.lower() in ("1", "true", "yes", "on"):
        return True
    if text.lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError(text)


_flag.__name__ = "true/false"

# (environment variable, Settings field, converter, description) — the README table mirrors this.
ENV_VARS: list[tuple[str, str, Callable[[str], object], str]] = [
    ("CARECALL_DATA_DIR", "data_dir", Path, "Folder for the default SQLite database"),
    ("CARECALL_DATABASE_URL", "database_url", str, "SQLAlchemy URL of the database"),
    ("CARECALL_TWILIO_ACCOUNT_SID", "twilio_account_sid", str, "Twilio account SID"),
    ("CARECALL_TWILIO_AUTH_TOKEN", "twilio_auth_token", str, "Twilio auth token"),
    ("CARECALL_TWILIO_FROM_NUMBER", "twilio_from_number", str, "Sender phone number (E.164)"),
    (
        "CARECALL_TWILIO_MESSAGING_SERVICE_SID",
        "twilio_messaging_service_sid",
        str,
        "Messaging service SID; used instead of the sender number when set",
    ),
    ("CARECALL_PUBLIC_BASE_URL", "public_base_url", str, "Public base URL Twilio calls"),
    ("CARECALL_DEFAULT_REGION", "default_region", str, "Region for phones without +"),
    ("CARECALL_DEFAULT_TIMEZONE", "default_timezone", str, "Fallback patient time zone"),
    ("CARECALL_PROVIDER_NAME", "provider_name", str, "Provider named in messages"),
    ("CARECALL_CALLBACK_NUMBER", "callback_number", str, "Care team call-back number"),
    ("CARECALL_FLOWS_DIR", "flows_dir", Path, "Folder of flow YAML files"),
    ("CARECALL_PROMPTS_DIR", "prompts_dir", Path, "Folder of prompt YAML files"),
    (
        "CARECALL_TICK_SECONDS",
        "tick_seconds",
        int,
        "Seconds between worker ticks when nothing is due; a batch is what the senders send "
        "in half a tick, and after a full one the next tick comes at once",
    ),
    (
        "CARECALL_CONVERSATION_TIMEOUT_HOURS",
        "conversation_timeout_hours",
        int,
        "Quiet hours after which an unfinished SMS check-in is closed",
    ),
    (
        "CARECALL_MAX_REPLIES_PER_CONVERSATION",
        "max_replies_per_conversation",
        int,
        "Assistant messages in one check-in before it stops (ends reply loops)",
    ),
    (
        "CARECALL_HOLIDAY_CALENDAR",
        "holiday_calendar",
        str,
        "Holidays that are not business days: a country (US) or subdivision (US-CA); empty "
        "for weekends only",
    ),
    (
        "CARECALL_MAX_CONTACTS_PER_DAY",
        "max_contacts_per_day",
        int,
        "Check-ins and reminders we start per patient per local day (TCPA healthcare: 1)",
    ),
    (
        "CARECALL_MAX_CONTACTS_PER_WEEK",
        "max_contacts_per_week",
        int,
        "The same per 7 days (TCPA healthcare: 3)",
    ),
    (
        "CARECALL_REMINDER_AFTER_HOURS",
        "reminder_after_hours",
        int,
        "Hours without a reply before the one reminder",
    ),
    (
        "CARECALL_UNREACHABLE_AFTER_HOURS",
        "unreachable_after_hours",
        int,
        "Hours after the reminder before the patient counts as unreachable",
    ),
    (
        "CARECALL_SEND_RATE_PER_SECOND",
        "send_rate_per_second",
        float,
        "Messages per second the configured sender may take, shared by every worker "
        "(long code: 1); more senders: 'carecall senders add'",
    ),
    (
        "CARECALL_CLAIM_LEASE_SECONDS",
        "claim_lease_seconds",
        int,
        "After this long a claimed check-in or unsent message of a vanished worker is "
        "reconciled",
    ),
    (
        "CARECALL_DISPATCH_BATCH_MAX",
        "dispatch_batch_max",
        int,
        "Most check-ins a worker claims at once (fewer when the senders' rate sends fewer in "
        "half a tick or half a lease)",
    ),
    (
        "CARECALL_DB_TIMEOUT_MS",
        "db_timeout_ms",
        int,
        "Longest a database statement, lock wait or pool checkout may take (Twilio waits 15 s "
        "for a webhook; past this a text goes to the spool)",
    ),
    (
        "CARECALL_SPOOL_REPLAY_SECONDS",
        "spool_replay_seconds",
        int,
        "How often a web process retries its spool of texts kept while the database was "
        "away (0: only the worker's tick and 'carecall spool replay')",
    ),
    (
        "CARECALL_TCM_WARNING_HOURS",
        "tcm_warning_hours",
        int,
        "Hours before the TCM deadline when a patient not yet reached gets a call task",
    ),
    (
        "CARECALL_CONTACT_HOURS",
        "contact_hours",
        str,
        "Local hours new patients may be contacted, START-END within 8-21",
    ),
    (
        "CARECALL_NURSE_LINE",
        "nurse_line",
        str,
        "Number a call is put through to when the patient asks for a nurse (default: the "
        "call-back number)",
    ),
    (
        "CARECALL_OFFICE_HOURS",
        "office_hours",
        str,
        "When a nurse can take a call, in the default time zone",
    ),
    (
        "CARECALL_MAX_CALL_ATTEMPTS",
        "max_call_attempts",
        int,
        "Calls (busy, no answer, voicemail) before the fallback channel",
    ),
    (
        "CARECALL_CALL_RETRY_MINUTES",
        "call_retry_minutes",
        int,
        "Wait before calling again (contact limits may make it longer)",
    ),
    ("CARECALL_SMTP_HOST", "smtp_host", str, "SMTP server for e-mail; empty: no e-mail"),
    ("CARECALL_SMTP_PORT", "smtp_port", int, "SMTP port"),
    ("CARECALL_SMTP_SENDER", "smtp_sender", str, "From address of notifications"),
    ("CARECALL_SMTP_USER", "smtp_user", str, "SMTP user name, if the server wants one"),
    ("CARECALL_SMTP_PASSWORD", "smtp_password", str, "SMTP password"),
    ("CARECALL_SMTP_STARTTLS", "smtp_starttls", _flag, "Use STARTTLS (true/false)"),
    (
        "CARECALL_ACK_MINUTES_EMERGENCY",
        "ack_minutes_emergency",
        int,
        "Minutes to acknowledge an emergency alert before it is re-sent, then escalated",
    ),
    (
        "CARECALL_ACK_MINUTES_URGENT",
        "ack_minutes_urgent",
        int,
        "The same for an urgent alert",
    ),
    ("CARECALL_DIGEST_HOUR", "digest_hour", int, "Local hour of the daily routine digest"),
    (
        "CARECALL_SECRET_KEY",
        "secret_key",
        str,
        "Signs session cookies; required by `carecall serve` (a long random string)",
    ),
    ("CARECALL_IDLE_MINUTES", "idle_minutes", int, "Sign-out after this long without use"),
]


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    values: dict[str, object] = {}
    for name, attr, convert, _ in ENV_VARS:
        raw = env.get(name)
        if raw is None or raw == "":
            continue
        try:
            values[attr] = convert(raw)
        except ValueError as exc:
            raise ConfigError(f"{name}={raw!r} is not a valid {convert.__name__}") from exc
    return Settings(**values)  # type: ignore[arg-type]


def settings_table() -> str:
    """The README's table of settings (`python -m assistant.config` prints it)."""
    defaults = Settings()
    shown = {
        "database_url": "`sqlite:///data/carecall.db`",
        "flows_dir": "`flows/` in the repository",
        "prompts_dir": "`prompts/` in the repository",
        "twilio_auth_token": "a placeholder for the simulator",
        "twilio_messaging_service_sid": "(none)",
        "secret_key": "(none)",
        "smtp_host": "(none: no e-mail)",
    }
    rows = ["| Variable | Meaning | Default |", "| --- | --- | --- |"]
    for name, attr, _, meaning in ENV_VARS:
        rows.append(f"| `{name}` | {meaning} | {shown.get(attr, f'`{getattr(defaults, attr)}`')} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(settings_table())


def twilio_token_problem(settings: Settings) -> str | None:
    """Production processes must not trust requests signed with the simulator's token."""
    if settings.twilio_auth_token == Settings.twilio_auth_token:
        return ("CARECALL_TWILIO_AUTH_TOKEN is not set; set it to the Twilio auth token "
                "(use 'carecall demo' to try Carecall without Twilio)")
    return None


def web_settings_problem(settings: Settings) -> str | None:
    """What stops a production web process from starting safely, if anything."""
    if problem := twilio_token_problem(settings):
        return problem
    if len(settings.secret_key) < 32:
        return ("CARECALL_SECRET_KEY is not set (or shorter than 32 characters); set a long "
                "random string, for example from: python -c 'import secrets; "
                "print(secrets.token_hex(32))'")
    return None
