"""`conversation.replies_sent`, kept by the database: a trigger on `message` counts each
outbound message of a conversation as it is written, whichever path writes it (a turn's
replies, the dispatcher's batches, the outbox, reminders, voice), so the loop guard reads a
column instead of counting. Migration 0020 made it for migrated databases; this makes it
for the ones built straight from the models (the flow simulator's and the rehearsal's
in-memory databases), so their loop guard counts too."""

from __future__ import annotations

from sqlalchemy import DDL, event

from assistant.records.models import Message

SQLITE = """
CREATE TRIGGER conversation_replies_sent AFTER INSERT ON message
WHEN NEW.direction = 'out' AND NEW.conversation_id IS NOT NULL
BEGIN
    UPDATE conversation SET replies_sent = replies_sent + 1 WHERE id = NEW.conversation_id;
END
"""
POSTGRESQL = ("""
CREATE FUNCTION conversation_replies_sent() RETURNS trigger AS $$
BEGIN
    UPDATE conversation SET replies_sent = replies_sent + 1 WHERE id = NEW.conversation_id;
    RETURN NULL;
END
$$ LANGUAGE plpgsql
""", """
CREATE TRIGGER conversation_replies_sent AFTER INSERT ON message FOR EACH ROW
WHEN (NEW.direction = 'out' AND NEW.conversation_id IS NOT NULL)
EXECUTE FUNCTION conversation_replies_sent()
""")

event.listen(Message.__table__, "after_create", DDL(SQLITE).execute_if(dialect="sqlite"))
for statement in POSTGRESQL:
    event.listen(Message.__table__, "after_create",
                 DDL(statement).execute_if(dialect="postgresql"))
