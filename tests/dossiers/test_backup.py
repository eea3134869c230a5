"""Copies of the pre-dossier store that restore: every row back, on SQLite and PostgreSQL."""

import os
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import MetaData, select, text
from sqlalchemy.engine import make_url
from store_fixture import POSTGRES_URL, _postgres_reachable

from dossiers import backup as backups
from dossiers.backup import BackupError, backup, expire, restore
from dossiers.db import make_engine
from dossiers.repository import NewPreDossier, Repository
from referentiel import load_referentiel


def new_store_url(kind: str, tmp_path: Path) -> Iterator[str]:
    """An empty store's address: a SQLite file, or a database of its own on PostgreSQL."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / f'{uuid.uuid4().hex}.db'}"
        return
    if not _postgres_reachable():
        pytest.skip(f"PostgreSQL unreachable at {POSTGRES_URL}")
    name = f"clea_backup_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def stores(request, tmp_path) -> Iterator[tuple[str, str]]:
    """Two empty stores of the same kind: the live one and the one restored into."""
    first, second = new_store_url(request.param, tmp_path), new_store_url(request.param, tmp_path)
    yield next(first), next(second)
    for store in (first, second):
        next(store, None)


def rows(url: str) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order."""
    engine = make_engine(url)
    try:
        tables = MetaData()
        tables.reflect(engine)
        with engine.connect() as connection:
            return {
                name: [
                    tuple(row)
                    for row in connection.execute(
                        select(table).order_by(*table.primary_key.columns)
                    )
                ]
                for name, table in sorted(tables.tables.items())
            }
    finally:
        engine.dispose()


def store_at(url: str) -> Repository:
    store = Repository(make_engine(url))
    store.migrate()
    store.sync_antennes(load_referentiel())
    return store


def dossier(number: int) -> NewPreDossier:
    return NewPreDossier(
        request_key=f"key-{number}",
        sender_id=f"web:{number}",
        antenne_id="lille",
        first_name="Zoé",
        last_name=f"Martin{number}",
        phone=f"06 12 34 56 {number:02d}",
        commune="Lille",
        situation="salarie",
        quiz_levels={1: "a_travailler", 2: "acquis"},
    )


def test_back_up_create_erase_then_restore_gives_every_row_back(stores, tmp_path):
    live_url, restored_url = stores
    live = store_at(live_url)
    references = [live.create_pre_dossier(dossier(number))[0] for number in range(3)]
    live.take(references[0], None)
    live.add_note(references[0], None, "Rappelée, rendez-vous mardi.")
    copy = backup(live_url, tmp_path / "backups", moment=datetime(2026, 12, 2, tzinfo=timezone.utc))
    at_backup = rows(live_url)
    assert oct(copy.stat().st_mode & 0o777) == "0o600"
    live.create_pre_dossier(dossier(3))
    assert live.delete_for_sender("web:1") == 1
    assert rows(live_url) != at_backup
    store_at(restored_url)  # a new store, migrated as the assistant would
    restore(copy, restored_url)
    assert rows(restored_url) == at_backup
    assert sum(len(table) for table in at_backup.values()) > 10  # dossiers, levels, history…
    restore(copy, live_url)  # and over the live store, which it replaces
    assert rows(live_url) == at_backup
    live.engine.dispose()


def test_old_copies_expire_and_other_files_stay(tmp_path):
    now = datetime(2026, 12, 2, 12, tzinfo=timezone.utc)
    directory = tmp_path / "backups"
    directory.mkdir()
    for days in (45, 31, 29, 0):
        (directory / f"dossiers-{(now - timedelta(days=days)).strftime(backups.STAMP)}.db").touch()
    (directory / "notes.txt").touch()
    deleted = expire(directory, 30, now)
    assert len(deleted) == 2
    assert sorted(path.name for path in directory.iterdir()) == [
        f"dossiers-{(now - timedelta(days=29)).strftime(backups.STAMP)}.db",
        f"dossiers-{now.strftime(backups.STAMP)}.db",
        "notes.txt",
    ]


def test_the_commands_copy_and_restore_and_say_so(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'dossiers.db'}"
    store_at(url).create_pre_dossier(dossier(1))
    monkeypatch.setenv("CLEA_DATABASE_URL", url)
    monkeypatch.setattr(backups, "BACKUP_DIR", tmp_path / "backups")
    assert backups.main([]) == 0
    copy = next((tmp_path / "backups").iterdir())
    assert f"to {copy}" in capsys.readouterr().out
    assert backups.main(["--restore", str(copy)]) == 0
    assert "Restored" in capsys.readouterr().out
    assert backups.main(["--restore", str(tmp_path / "missing.db")]) == 1
    assert "no such copy" in capsys.readouterr().err


def test_a_copy_of_the_wrong_kind_is_refused(tmp_path):
    dump = tmp_path / "dossiers-20261202T120000Z.dump"
    dump.touch()
    with pytest.raises(BackupError, match="not a SQLite copy"):
        restore(dump, f"sqlite:///{tmp_path / 'x.db'}")
    assert os.path.exists(dump)
