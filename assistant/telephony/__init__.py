"""The channels that reach a phone: SMS and calls through the twilio client, the send-rate
limit in front of them.

May import: `foundation`, `records`."""
