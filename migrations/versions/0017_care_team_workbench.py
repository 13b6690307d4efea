"""the care team's workbench: notes, caregivers, the human TCM record, flow sign-off,
appointment details, PCP and pharmacy, and who answered a check-in

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "care_note",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("patient_id", sa.Integer(), sa.ForeignKey("patient.id"), nullable=False,
                  index=True),
        sa.Column("episode_id", sa.Integer(), sa.ForeignKey("episode.id")),
        sa.Column("author", sa.String(100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "caregiver",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("patient_id", sa.Integer(), sa.ForeignKey("patient.id"), nullable=False,
                  index=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("relationship_to_patient", sa.String(64), nullable=False),
        sa.Column("phone", sa.String(20), index=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("is_proxy", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "tcm_record",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("episode_id", sa.Integer(), sa.ForeignKey("episode.id"), nullable=False,
                  unique=True),
        sa.Column("first_contact_at", sa.DateTime()),
        sa.Column("first_contact_by", sa.String(100)),
        sa.Column("face_to_face_on", sa.Date()),
        sa.Column("medication_review_on", sa.Date()),
        sa.Column("medication_review_by", sa.String(200)),
        sa.Column("medication_reviewer_role", sa.String(16)),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=False),
    )
    op.create_table(
        "tcm_contact_attempt",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("episode_id", sa.Integer(), sa.ForeignKey("episode.id"), nullable=False,
                  index=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("by_user", sa.String(100), nullable=False),
        sa.Column("spoke_with", sa.String(200)),
        sa.Column("note", sa.Text()),
    )
    op.create_table(
        "flow_proposal",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("flow_id", sa.String(64), nullable=False, index=True),
        sa.Column("source_text", sa.Text(), nullable=False),
        sa.Column("checksum", sa.String(64), nullable=False),
        sa.Column("proposed_by", sa.String(100), nullable=False),
        sa.Column("proposed_at", sa.DateTime(), nullable=False),
        sa.Column("note", sa.Text()),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decided_by", sa.String(100)),
        sa.Column("decided_at", sa.DateTime()),
        sa.Column("flow_version_id", sa.Integer(), sa.ForeignKey("flow_version.id")),
    )
    with op.batch_alter_table("appointment") as table:
        table.add_column(sa.Column("clinician", sa.String(200)))
        table.add_column(sa.Column("location", sa.String(200)))
        table.add_column(sa.Column("reminded_at", sa.DateTime()))
    with op.batch_alter_table("episode") as table:
        table.add_column(sa.Column("care_contacts", sa.JSON()))
    with op.batch_alter_table("conversation") as table:
        table.add_column(sa.Column("respondent_id", sa.Integer()))
        table.create_foreign_key("fk_conversation_respondent", "caregiver",
                                 ["respondent_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("conversation") as table:
        table.drop_constraint("fk_conversation_respondent", type_="foreignkey")
        table.drop_column("respondent_id")
    with op.batch_alter_table("episode") as table:
        table.drop_column("care_contacts")
    with op.batch_alter_table("appointment") as table:
        table.drop_column("reminded_at")
        table.drop_column("location")
        table.drop_column("clinician")
    for name in ("flow_proposal", "tcm_contact_attempt", "tcm_record", "caregiver",
                 "care_note"):
        op.drop_table(name)
