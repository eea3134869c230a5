"""A fresh pre-dossier store per test, on SQLite and on PostgreSQL (127.0.0.1:5432, test)."""

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from dossiers.db import make_engine
from dossiers.repository import Repository
from referentiel import load_referentiel

POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"


def _postgres_reachable() -> bool:
    try:
        with make_engine(POSTGRES_URL).connect():
            return True
    except OperationalError:
        return False


@pytest.fixture(params=["sqlite", "postgresql"])
def repository(request, tmp_path) -> Iterator[Repository]:
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'dossiers.db'}")
        schema = None
    else:
        if not _postgres_reachable():
            pytest.skip(f"PostgreSQL unreachable at {POSTGRES_URL}")
        schema = f"clea_test_{uuid.uuid4().hex[:12]}"
        with make_engine(POSTGRES_URL).begin() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
        engine = make_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
    repo = Repository(engine)
    repo.migrate()
    repo.sync_antennes(load_referentiel())
    yield repo
    engine.dispose()
    if schema:
        with make_engine(POSTGRES_URL).begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
