"""HL7 v2 messages as received, with what became of each; a stay's disposition and next of kin

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hl7_message",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("received_at", sa.DateTime(), nullable=False, index=True),
        sa.Column("sending_application", sa.String(120)),
        sa.Column("sending_facility", sa.String(120)),
        sa.Column("control_id", sa.String(64)),
        sa.Column("message_type", sa.String(32)),
        sa.Column("version", sa.String(16)),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False, index=True),
        sa.Column("ack_code", sa.String(2), nullable=False),
        sa.Column("detail", sa.Text()),
        sa.Column("episode_id", sa.Integer(), sa.ForeignKey("episode.id")),
        sa.UniqueConstraint("sending_application", "sending_facility", "control_id",
                            name="uq_hl7_message_control_id"),
    )
    with op.batch_alter_table("episode") as table:
        table.add_column(sa.Column("disposition", sa.String(32)))
        table.add_column(sa.Column("next_of_kin", sa.JSON()))


def downgrade() -> None:
    with op.batch_alter_table("episode") as table:
        table.drop_column("next_of_kin")
        table.drop_column("disposition")
    op.drop_table("hl7_message")
