"""Alembic environment: runs on a given connection, or on CLEA_DATABASE_URL."""

from alembic import context

from dossiers.db import make_engine
from dossiers.models import metadata

VERSION_TABLE = "clea_alembic_version"


def run_migrations(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    with make_engine().connect() as new_connection:
        run_migrations(new_connection)
        new_connection.commit()
