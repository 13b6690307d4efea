"""flow versions from the editor

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("flow_version", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("origin", sa.String(length=8), nullable=False, server_default="file")
        )
        batch_op.add_column(sa.Column("source_text", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("published_by", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("flow_version", schema=None) as batch_op:
        batch_op.drop_column("published_by")
        batch_op.drop_column("source_text")
        batch_op.drop_column("origin")
