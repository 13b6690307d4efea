"""Carecall's core: everything that decides, with nothing that faces a person or a process.

Packages, lowest first; each may import those above it in this list, never those below:

- `foundation`: settings, business days and office hours, YAML with line numbers, local time.
- `records`: the tables, the database, phones, audit, accounts, consent, medicines.
- `telephony`: the channels that send SMS and place calls, their rate limit, SMS length.
- `safety`: the red-flag detector and its vocabulary (imports nothing else of the core).
- `care_team`: alerts and their lifecycle, notifications, the roster, coordinators' SMS, mail.
- `conversation`: flows, their loader and versions, state charts, the dialogue, reading answers,
  keywords, escalation rules, prompts and wording.
- `outreach`: scheduling, contact policy, dispatch and the outbox, reminders, reconciliation,
  expiry, the TCM clock, voice calls, inbound routing, the check-in list.
- `intake`: enrolling a discharge and cancelling an episode.
- `services` (a module): wires the core together for the web app, the worker and the tools.
  The packages above receive it as a parameter and name its type only for type hints.
- `authoring`: what admins use on flows: the editor, flow tests, the simulator's engine,
  call length, scripted conversations.

The core never imports Flask, `carecall`, `webhooks` or `dashboard`
(`tests/test_architecture.py`).
"""
