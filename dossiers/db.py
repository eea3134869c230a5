"""Database engine from the environment: SQLite under var/ by default, PostgreSQL by URL."""

import os
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, create_engine

from settings import current

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = f"sqlite:///{ROOT / 'var' / 'dossiers.db'}"
URL_VARIABLE = "CLEA_DATABASE_URL"
SQLITE_BUSY_TIMEOUT_S = 10
SQLITE_FILE_MODE = 0o600


def database_url() -> str:
    """CLEA_DATABASE_URL, e.g. postgresql://user@host/db; a SQLite file under var/ otherwise."""
    return current().database_url or DEFAULT_URL


def make_engine(url: str | None = None, **options) -> Engine:
    """A SQLAlchemy 2.0-style engine; SQLite files get their folder, mode 0600 and foreign keys."""
    url = url or database_url()
    if url.startswith("sqlite:///"):
        if url != "sqlite:///:memory:":
            private_sqlite_file(Path(url.removeprefix("sqlite:///")))
        options.setdefault("connect_args", {"timeout": SQLITE_BUSY_TIMEOUT_S})
    else:
        options.setdefault("pool_pre_ping", True)
    engine = create_engine(url, future=True, **options)
    if engine.dialect.name == "sqlite":
        use_wal(engine, synchronous="FULL")
    return engine


def use_wal(engine: Engine, synchronous: str) -> None:
    """Each connection of a SQLite engine in WAL mode, with foreign keys on and
    `synchronous` FULL (the pre-dossiers: nothing committed is lost) or NORMAL (the
    conversations: a power cut may lose the last turns, never corrupt the file)."""

    def pragmas(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.close()

    event.listen(engine, "connect", pragmas)


def private_sqlite_file(path: Path) -> None:
    """The SQLite file (created empty if missing) and its -wal/-shm companions readable by
    their owner only; SQLite gives the companions it creates later the main file's mode."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, SQLITE_FILE_MODE))
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if file.exists():
            file.chmod(SQLITE_FILE_MODE)
