"""contact attempts and tcm deadline

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contact_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checkin_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["checkin_id"],
            ["checkin.id"],
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patient.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("contact_attempt", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contact_attempt_checkin_id"), ["checkin_id"], unique=False
        )
        batch_op.create_index(
            "ix_contact_attempt_patient_started", ["patient_id", "started_at"], unique=False
        )

    with op.batch_alter_table("checkin", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reminded_at", sa.DateTime(), nullable=True))

    with op.batch_alter_table("episode", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tcm_deadline", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("episode", schema=None) as batch_op:
        batch_op.drop_column("tcm_deadline")

    with op.batch_alter_table("checkin", schema=None) as batch_op:
        batch_op.drop_column("reminded_at")

    with op.batch_alter_table("contact_attempt", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_attempt_patient_started")
        batch_op.drop_index(batch_op.f("ix_contact_attempt_checkin_id"))

    op.drop_table("contact_attempt")
