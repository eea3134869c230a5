"""A password given by the admin is used once: the account must choose its own at login.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # In place on SQLite too (no table copy, which the pre-dossiers' foreign keys forbid).
    op.add_column(
        "clea_staff_user",
        sa.Column(
            "must_change_password",
            sa.Boolean(create_constraint=False),
            nullable=False,
            server_default=sa.false(),
        ),
    )


def downgrade() -> None:
    # In place (SQLite 3.35+ too): a batch copy would drop the table its foreign keys point to.
    op.drop_column("clea_staff_user", "must_change_password")
