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

from assistant.records import reply_counter

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The trigger's SQL is `assistant.records.reply_counter`'s, which also makes it for databases
# built from the models: one definition (a later change to it needs a migration of its own).


def upgrade() -> None:
    with op.batch_alter_table("conversation") as table:
        table.add_column(sa.Column("replies_sent", sa.Integer(), nullable=False,
                                   server_default="0"))
    op.create_index("ix_conversation_respondent_id", "conversation", ["respondent_id"])
    op.execute("UPDATE conversation SET replies_sent = (SELECT count(*) FROM message "
               "WHERE message.conversation_id = conversation.id "
               "AND message.direction = 'out')")
    if op.get_bind().dialect.name == "postgresql":
        for statement in reply_counter.POSTGRESQL:
            op.execute(statement)
    else:
        op.execute(reply_counter.SQLITE)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS conversation_replies_sent"
               + (" ON message" if op.get_bind().dialect.name == "postgresql" else ""))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS conversation_replies_sent()")
    op.drop_index("ix_conversation_respondent_id", "conversation")
    with op.batch_alter_table("conversation") as table:
        table.drop_column("replies_sent")
