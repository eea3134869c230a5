"""The pre-dossier store: antennes, staff users, pre-dossiers, quiz results, history.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "clea_antenne",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("contact", sa.String(128), nullable=False),
        sa.Column("email", sa.String(128), nullable=False),
    )
    op.create_table(
        "clea_staff_user",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("login", sa.String(128), nullable=False, unique=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("antenne_id", sa.String(32), sa.ForeignKey("clea_antenne.id"), nullable=True),
        sa.Column("is_admin", sa.Boolean, nullable=False),
        sa.Column("is_active", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "clea_pre_dossier",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("reference", sa.String(32), nullable=False, unique=True),
        sa.Column("request_key", sa.String(128), nullable=False, unique=True),
        sa.Column("sender_id", sa.String(128), nullable=False, index=True),
        sa.Column(
            "antenne_id",
            sa.String(32),
            sa.ForeignKey("clea_antenne.id"),
            nullable=False,
            index=True,
        ),
        sa.Column("status", sa.String(32), nullable=False, index=True),
        sa.Column("first_name", sa.String(128), nullable=False),
        sa.Column("last_name", sa.String(128), nullable=False),
        sa.Column("phone", sa.String(32)),
        sa.Column("email", sa.String(255)),
        sa.Column("postal_code", sa.String(5)),
        sa.Column("commune", sa.String(128)),
        sa.Column("situation", sa.String(32)),
        sa.Column("contact_time", sa.String(128)),
        sa.Column("assigned_to", sa.Integer, sa.ForeignKey("clea_staff_user.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "clea_quiz_result",
        sa.Column(
            "pre_dossier_id",
            sa.Integer,
            sa.ForeignKey("clea_pre_dossier.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("domain", sa.Integer, primary_key=True),
        sa.Column("level", sa.String(32), nullable=False),
    )
    op.create_table(
        "clea_history",
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
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("from_value", sa.String(64)),
        sa.Column("to_value", sa.String(64)),
        sa.Column("text", sa.Text),
    )


def downgrade() -> None:
    for table in (
        "clea_history",
        "clea_quiz_result",
        "clea_pre_dossier",
        "clea_staff_user",
        "clea_antenne",
    ):
        op.drop_table(table)
