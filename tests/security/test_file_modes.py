"""The SQLite files of the store are readable by their owner only."""

import os
import stat

import pytest
from sqlalchemy import text

from dossiers.db import make_engine


@pytest.fixture
def open_umask():
    previous = os.umask(0o022)  # files would be world-readable (0644) by default
    yield
    os.umask(previous)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_new_database_and_its_wal_files_are_0600(tmp_path, open_umask):
    database = tmp_path / "var" / "dossiers.db"
    engine = make_engine(f"sqlite:///{database}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
        connection.execute(text("INSERT INTO t VALUES (1)"))
        companions = [tmp_path / "var" / f"dossiers.db{suffix}" for suffix in ("-wal", "-shm")]
        assert all(path.exists() for path in companions)  # WAL mode, while a connection is open
        assert [mode(path) for path in [database, *companions]] == [0o600] * 3
    engine.dispose()


def test_existing_files_are_made_private_when_the_engine_is_created(tmp_path, open_umask):
    database = tmp_path / "dossiers.db"
    for path in (database, tmp_path / "dossiers.db-wal", tmp_path / "dossiers.db-shm"):
        path.touch()
        path.chmod(0o644)
    make_engine(f"sqlite:///{database}").dispose()
    assert {mode(path) for path in tmp_path.iterdir()} == {0o600}
