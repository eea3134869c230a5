"""Tables of the pre-dossier store, prefixed `clea_` to stay apart from Rasa's `events`."""

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    false,
)

metadata = MetaData()

antenne = Table(
    "clea_antenne",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(64), nullable=False),
    Column("contact", String(128), nullable=False),
    Column("email", String(128), nullable=False),
)

staff_user = Table(
    "clea_staff_user",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("login", String(128), nullable=False, unique=True),
    Column("name", String(128), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("antenne_id", String(32), ForeignKey("clea_antenne.id"), nullable=True),
    Column("is_admin", Boolean, nullable=False, default=False),
    Column("is_active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # Stored in the session cookie: raising it ends every session of the account.
    Column("session_version", Integer, nullable=False, default=0, server_default="0"),
    Column("last_login_at", DateTime(timezone=True), nullable=True),
    # A one-time password given by the admin: the account chooses its own at its next login.
    Column("must_change_password", Boolean, nullable=False, default=False, server_default=false()),
)

pre_dossier = Table(
    "clea_pre_dossier",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("reference", String(32), nullable=False, unique=True),
    # One request of one conversation: a retried creation finds it instead of doubling it.
    Column("request_key", String(128), nullable=False, unique=True),
    Column("sender_id", String(128), nullable=False, index=True),
    Column("antenne_id", String(32), ForeignKey("clea_antenne.id"), nullable=False, index=True),
    Column("status", String(32), nullable=False, default="nouveau", index=True),
    Column("first_name", String(128), nullable=False),
    Column("last_name", String(128), nullable=False),
    Column("phone", String(32)),
    Column("email", String(255)),
    Column("postal_code", String(5)),
    Column("commune", String(128)),
    Column("situation", String(32)),
    Column("contact_time", String(128)),
    Column("assigned_to", Integer, ForeignKey("clea_staff_user.id"), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("closed_at", DateTime(timezone=True), nullable=True),
)

quiz_result = Table(
    "clea_quiz_result",
    metadata,
    Column(
        "pre_dossier_id",
        Integer,
        ForeignKey("clea_pre_dossier.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("domain", Integer, primary_key=True),
    Column("level", String(32), nullable=False),
)

history = Table(
    "clea_history",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "pre_dossier_id",
        Integer,
        ForeignKey("clea_pre_dossier.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("staff_user_id", Integer, ForeignKey("clea_staff_user.id"), nullable=True),
    Column("kind", String(32), nullable=False),  # created, status, note, reassigned
    Column("from_value", String(64)),
    Column("to_value", String(64)),
    Column("text", Text),
)

# Each try to reach the candidate: when, by whom, its outcome (referentiel/clea.yml,
# follow_up.contact_outcomes) and a comment.
contact_attempt = Table(
    "clea_contact_attempt",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "pre_dossier_id",
        Integer,
        ForeignKey("clea_pre_dossier.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("staff_user_id", Integer, ForeignKey("clea_staff_user.id"), nullable=True),
    Column("outcome", String(32), nullable=False),
    Column("comment", Text),
)

# What happened on the console's accounts: failed logins, lockouts, password changes, exports…
audit = Table(
    "clea_audit",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
    Column("action", String(32), nullable=False),
    Column("staff_user_id", Integer, ForeignKey("clea_staff_user.id"), nullable=True),  # who
    Column("subject", String(255)),  # the login tried, the account or address concerned, the export
    Column("client", String(64)),
)
