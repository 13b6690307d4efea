"""What is stored: the tables, the database and its transactions, and the facts kept about
patients and users (phones, audit trail, accounts, consent, medicines).

May import: `foundation`."""

# Every table in one metadata (and the segment count on every SMS row), whichever module a
# caller imports first (foreign keys cross these modules, and `create_all` must see them all).
from assistant.records import (  # noqa: F401
    care_records,
    interfaces,
    message_costs,
    operations,
    reply_counter,
)
