"""Flask blueprints Twilio calls. Thin: check the signature, parse the form, call the core,
answer with TwiML. Nothing here may return a 500 to Twilio."""
