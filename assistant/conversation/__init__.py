"""One check-in as a conversation: the flows and their versions, the state chart, the
dialogue that reads each answer, the escalation rules it applies, and the words it says.

May import: `foundation`, `records`, `telephony`, `safety`, `care_team`."""
