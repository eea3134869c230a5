"""The pre-dossier store on PostgreSQL, cut off by a TCP proxy while a pre-dossier is
created: the person is told, nothing is lost, the retry succeeds once it is back."""

import uuid
from collections.abc import Iterator

import pytest
from helpers import say, texts
from sqlalchemy import text
from store_fixture import POSTGRES_URL, _postgres_reachable
from tcp_proxy import TcpProxy

from dossiers.db import make_engine
from dossiers.repository import Repository
from harness.servers import Servers, new_sender


@pytest.fixture
def store_behind_proxy(servers: Servers) -> Iterator[tuple[TcpProxy, Repository]]:
    """The action server on a PostgreSQL schema of its own, reached through the proxy."""
    if not _postgres_reachable():
        pytest.skip(f"PostgreSQL unreachable at {POSTGRES_URL}")
    schema = f"clea_outage_{uuid.uuid4().hex[:12]}"
    with make_engine(POSTGRES_URL).begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    proxy = TcpProxy(5432)
    engine = make_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
    servers.stop_actions()
    servers.start_actions(
        CLEA_DATABASE_URL=(
            f"postgresql://postgres@{proxy.address}/test?options=-csearch_path%3D{schema}"
        )
    )
    try:
        yield proxy, Repository(engine)
    finally:
        servers.stop_actions()
        servers.start_actions()
        proxy.close()
        engine.dispose()
        with make_engine(POSTGRES_URL).begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))


def fill_the_form(servers: Servers, sender: str) -> None:
    say(servers, "je veux m'inscrire à cléa", sender)
    consent = say(servers, "Arras", sender)
    say(servers, consent[-1]["buttons"][0]["payload"], sender)
    for answer in ("Paul", "Durand", "06 12 34 56 78"):
        say(servers, answer, sender)
    say(servers, "demandeur d'emploi", sender)
    assert "Paul Durand" in texts(say(servers, "Le matin", sender))


def test_an_outage_during_creation_is_told_and_the_retry_succeeds(
    servers: Servers, store_behind_proxy: tuple[TcpProxy, Repository]
):
    proxy, repository = store_behind_proxy
    first = new_sender()
    fill_the_form(servers, first)
    proxy.cut()
    down = texts(say(servers, "/affirm", first))
    assert "je n'arrive pas à enregistrer" in down and "Vos réponses sont gardées" in down
    proxy.restore()
    assert "Votre référence : CLEA-" in texts(say(servers, "/affirm", first))
    say(servers, "/affirm", first)  # a retry after success: still one pre-dossier
    assert repository.count() == 1

    # The pool's connections were broken while the store was used: it recovers by itself.
    second = new_sender()
    fill_the_form(servers, second)
    proxy.cut()
    assert "je n'arrive pas à enregistrer" in texts(say(servers, "/affirm", second))
    proxy.restore()
    assert "Votre référence : CLEA-" in texts(say(servers, "/affirm", second))
    assert repository.count() == 2
