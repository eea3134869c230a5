"""When each staff account last logged in (shown to the admin).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clea_staff_user") as batch:  # in place on SQLite: no table copy
        batch.add_column(sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # In place (SQLite 3.35+ too): a batch copy would drop the table its foreign keys point to.
    op.drop_column("clea_staff_user", "last_login_at")
