"""The people who act on alerts: an alert's lifecycle, who is on call, notifying them by SMS
and e-mail, and their own SMS commands (ACK).

May import: `foundation`, `records`, `telephony`."""
