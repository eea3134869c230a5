"""The call log: each try to reach a candidate.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "clea_contact_attempt",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "pre_dossier_id",
            sa.Integer,
            sa.ForeignKey("clea_pre_dossier.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("staff_user_id", sa.Integer, sa.ForeignKey("clea_staff_user.id"), nullable=True),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("comment", sa.Text),
    )


def downgrade() -> None:
    op.drop_table("clea_contact_attempt")
