"""questions back to us: how many times the patient has asked us something back on the
question now asked, so two are answered and a third goes the unclear path

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("conversation") as table:
        table.add_column(sa.Column("questions_back", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("conversation") as table:
        table.drop_column("questions_back")
