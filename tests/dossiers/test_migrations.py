"""The migrations on a store that already has accounts and pre-dossiers."""

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, text

from dossiers.repository import ALEMBIC_INI, Repository


def migrate(repository: Repository, action, revision: str) -> None:
    config = Config(str(ALEMBIC_INI))
    with repository.engine.begin() as connection:
        config.attributes["connection"] = connection
        action(config, revision)


def staff_columns(repository: Repository) -> set[str]:
    return {column["name"] for column in inspect(repository.engine).get_columns("clea_staff_user")}


def test_0002_keeps_the_accounts_and_can_be_undone(repository: Repository):
    migrate(repository, command.downgrade, "0001")
    assert "session_version" not in staff_columns(repository)
    with repository.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO clea_staff_user (id, login, name, password_hash, antenne_id, is_admin,"
                " is_active, created_at) VALUES (7, 'lille1', 'Lille', 'h', 'lille', false, true,"
                " CURRENT_TIMESTAMP)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO clea_pre_dossier (reference, request_key, sender_id, antenne_id,"
                " status, first_name, last_name, assigned_to, created_at, updated_at)"
                " VALUES ('CLEA-2026-AAAA',"
                " 'k', 's', 'lille', 'nouveau', 'Léa', 'Martin', 7, CURRENT_TIMESTAMP,"
                " CURRENT_TIMESTAMP)"
            )
        )
    migrate(repository, command.upgrade, "head")
    assert repository.staff_user(login="lille1")["session_version"] == 0
    assert repository.end_sessions(7) == 1
    repository.record_audit("login_failed", None, "lille1", "203.0.113.1")
    migrate(repository, command.downgrade, "0001")
    assert "session_version" not in staff_columns(repository)
    assert "clea_audit" not in inspect(repository.engine).get_table_names()
    with repository.engine.connect() as connection:
        assert (
            connection.execute(
                text("SELECT assigned_to FROM clea_pre_dossier WHERE reference = 'CLEA-2026-AAAA'")
            ).scalar_one()
            == 7
        )


def test_0003_adds_the_call_log_and_can_be_undone(repository: Repository):
    assert "clea_contact_attempt" in inspect(repository.engine).get_table_names()
    migrate(repository, command.downgrade, "0002")
    assert "clea_contact_attempt" not in inspect(repository.engine).get_table_names()
    migrate(repository, command.upgrade, "head")
    assert "clea_contact_attempt" in inspect(repository.engine).get_table_names()


def test_0005_a_one_time_password_flag_defaulting_to_false(repository: Repository):
    repository.create_staff_user("lille1", "Lille", "h", "lille")
    migrate(repository, command.downgrade, "0004")
    assert "must_change_password" not in staff_columns(repository)
    migrate(repository, command.upgrade, "head")
    assert repository.staff_user(login="lille1")["must_change_password"] is False
