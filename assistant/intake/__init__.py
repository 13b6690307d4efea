"""A discharge coming in (enrolment, with its check-ins planned) and an episode going away
(cancellation).

May import: every package of the core but `authoring`."""
