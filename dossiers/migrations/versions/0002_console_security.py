"""Console security: a session version per staff account, and the audit table.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clea_staff_user") as batch:  # in place on SQLite: no table copy
        batch.add_column(
            sa.Column("session_version", sa.Integer, nullable=False, server_default="0")
        )
    op.create_table(
        "clea_audit",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("staff_user_id", sa.Integer, sa.ForeignKey("clea_staff_user.id"), nullable=True),
        sa.Column("subject", sa.String(255)),
        sa.Column("client", sa.String(64)),
    )


def downgrade() -> None:
    op.drop_table("clea_audit")
    # In place (SQLite 3.35+ too): a batch copy would drop the table its foreign keys point to.
    op.drop_column("clea_staff_user", "session_version")
