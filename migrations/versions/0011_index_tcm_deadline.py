"""index the TCM deadline, which every worker tick searches

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_episode_tcm_deadline", "episode", ["tcm_deadline"])


def downgrade() -> None:
    op.drop_index("ix_episode_tcm_deadline", table_name="episode")
