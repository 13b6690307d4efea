"""Pages people use. For now: the coordinators' list of alerts."""
