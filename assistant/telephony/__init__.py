"""The channels that reach a phone: SMS and calls through the twilio client, the send-rate
limit in front of them, and how long an SMS is in segments.

May import: `foundation`, `records`."""
