"""Carecall's core: domain, flows, dialogue, escalation, scheduling and dispatch (no web code)."""
