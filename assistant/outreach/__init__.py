"""Reaching patients at the right time: planning check-ins, the contact policy, dispatch
through the outbox, reminders, reconciliation, expiry, the TCM clock, voice calls, and routing
of inbound messages.

May import: every package above it: `foundation`, `records`, `telephony`, `safety`,
`care_team`, `conversation`."""
