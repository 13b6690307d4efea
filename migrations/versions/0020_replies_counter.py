"""replies counter: conversation.replies_sent, kept by the database as outbound messages
are written, so a turn reads it instead of counting the conversation's messages; and
conversation.respondent_id indexed, so the open conversation on a caregiver's phone is found
by index, not by scanning every conversation

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every path that writes an outbound message (a turn's replies, the dispatcher's batches, the
# outbox, reminders, voice) counts through the trigger: none can forget to.
SQLITE_TRIGGER = """
CREATE TRIGGER conversation_replies_sent AFTER INSERT ON message
WHEN NEW.direction = 'out' AND NEW.conversation_id IS NOT NULL
BEGIN
    UPDATE conversation SET replies_sent = replies_sent + 1 WHERE id = NEW.conversation_id;
END
"""
POSTGRES_FUNCTION = """
CREATE FUNCTION conversation_replies_sent() RETURNS trigger AS $$
BEGIN
    UPDATE conversation SET replies_sent = replies_sent + 1 WHERE id = NEW.conversation_id;
    RETURN NULL;
END
$$ LANGUAGE plpgsql
"""
POSTGRES_TRIGGER = """
CREATE TRIGGER conversation_replies_sent AFTER INSERT ON message FOR EACH ROW
WHEN (NEW.direction = 'out' AND NEW.conversation_id IS NOT NULL)
EXECUTE FUNCTION conversation_replies_sent()
"""


def upgrade() -> None:
    with op.batch_alter_table("conversation") as table:
        table.add_column(sa.Column("replies_sent", sa.Integer(), nullable=False,
                                   server_default="0"))
    op.create_index("ix_conversation_respondent_id", "conversation", ["respondent_id"])
    op.execute("UPDATE conversation SET replies_sent = (SELECT count(*) FROM message "
               "WHERE message.conversation_id = conversation.id "
               "AND message.direction = 'out')")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        op.execute(POSTGRES_TRIGGER)
    else:
        op.execute(SQLITE_TRIGGER)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS conversation_replies_sent"
               + (" ON message" if op.get_bind().dialect.name == "postgresql" else ""))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS conversation_replies_sent()")
    op.drop_index("ix_conversation_respondent_id", "conversation")
    with op.batch_alter_table("conversation") as table:
        table.drop_column("replies_sent")
