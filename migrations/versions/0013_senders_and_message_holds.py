"""senders shared by every worker, holds on messages being sent, workers' signs of life

Also the raw fields of an inbound text that had to be cleaned to be stored.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sender",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("address", sa.String(64), nullable=False, unique=True),
        sa.Column("per_second", sa.Float(), nullable=False),
        sa.Column("next_slot", sa.Float(), nullable=False, server_default="0"),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "worker_beat",
        sa.Column("worker_id", sa.String(120), primary_key=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("last_tick_at", sa.DateTime(), nullable=False),
        sa.Column("settings", sa.String(400), nullable=False),
    )
    with op.batch_alter_table("message") as table:
        table.add_column(sa.Column("held_by", sa.String(120)))
        table.add_column(sa.Column("held_until", sa.DateTime()))
        table.add_column(sa.Column("raw", sa.Text()))
        table.create_index("ix_message_held_by", ["held_by"])
        # Every worker's reconciler looks for unsettled messages at every tick.
        table.create_index("ix_message_status", ["status"])


def downgrade() -> None:
    with op.batch_alter_table("message") as table:
        table.drop_index("ix_message_status")
        table.drop_index("ix_message_held_by")
        table.drop_column("raw")
        table.drop_column("held_until")
        table.drop_column("held_by")
    op.drop_table("worker_beat")
    op.drop_table("sender")
