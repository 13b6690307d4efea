"""What is stored: the tables, the database and its transactions, and the facts kept about
patients and users (phones, audit trail, accounts, consent, medicines).

May import: `foundation`."""
