"""What is stored: the tables, the database and its transactions, and the facts kept about
patients and users (phones, audit trail, accounts, consent, medicines).

May import: `foundation`."""

# Every table in one metadata, whichever module a caller imports first (foreign keys cross
# these modules, and `create_all` must see them all).
from assistant.records import care_records, interfaces, operations  # noqa: F401
