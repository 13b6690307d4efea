"""reports: readmission events, and what the reports count on messages and conversations
(the question a reply answered and whether it was read, SMS segments, where a check-in
stopped)

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "readmission",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("patient_id", sa.Integer(), sa.ForeignKey("patient.id"), nullable=False),
        sa.Column("index_episode_id", sa.Integer(), sa.ForeignKey("episode.id"), nullable=True),
        sa.Column("admitted_at", sa.DateTime(), nullable=False),
        sa.Column("days_after_discharge", sa.Integer(), nullable=True),
        sa.Column("visit_number", sa.String(64), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("event", sa.String(16), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("patient_id", "visit_number", name="uq_readmission_visit"),
    )
    op.create_index("ix_readmission_patient_id", "readmission", ["patient_id"])
    op.create_index("ix_readmission_index_episode_id", "readmission", ["index_episode_id"])
    with op.batch_alter_table("message") as table:
        table.add_column(sa.Column("question_id", sa.String(64), nullable=True))
        table.add_column(sa.Column("unclear", sa.Boolean(), nullable=True))
        table.add_column(sa.Column("segments", sa.Integer(), nullable=True))
    with op.batch_alter_table("conversation") as table:
        table.add_column(sa.Column("stopped_at", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("conversation") as table:
        table.drop_column("stopped_at")
    with op.batch_alter_table("message") as table:
        table.drop_column("segments")
        table.drop_column("unclear")
        table.drop_column("question_id")
    op.drop_index("ix_readmission_index_episode_id", "readmission")
    op.drop_index("ix_readmission_patient_id", "readmission")
    op.drop_table("readmission")
