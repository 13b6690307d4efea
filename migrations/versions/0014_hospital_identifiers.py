"""the hospital's identifiers: a patient's MRN with its assigning authority, a stay's visit number

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("patient") as table:
        table.add_column(sa.Column("mrn", sa.String(64)))
        table.add_column(sa.Column("mrn_authority", sa.String(64)))
        table.create_unique_constraint("uq_patient_mrn", ["mrn_authority", "mrn"])
    with op.batch_alter_table("episode") as table:
        table.add_column(sa.Column("visit_number", sa.String(64)))
        table.create_unique_constraint("uq_episode_visit", ["patient_id", "visit_number"])


def downgrade() -> None:
    with op.batch_alter_table("episode") as table:
        table.drop_constraint("uq_episode_visit", type_="unique")
        table.drop_column("visit_number")
    with op.batch_alter_table("patient") as table:
        table.drop_constraint("uq_patient_mrn", type_="unique")
        table.drop_column("mrn_authority")
        table.drop_column("mrn")
