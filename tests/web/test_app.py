"""The web app's health answer, for supervision and load balancers."""

import asyncio

from aiohttp.test_utils import TestClient, TestServer

from dossiers.db import make_engine
from dossiers.repository import Repository
from web.app import create_app


def health_of(repository: Repository) -> tuple[int, dict]:
    async def main() -> tuple[int, dict]:
        async with TestClient(TestServer(create_app(repository, b"k" * 32))) as client:
            response = await client.get("/health")
            return response.status, await response.json()

    return asyncio.run(main())


def test_health_says_the_app_and_its_store_answer(tmp_path):
    assert health_of(Repository(make_engine(f"sqlite:///{tmp_path / 'd.db'}"))) == (
        200,
        {"status": "ok", "store": "ok"},
    )


def test_health_says_when_the_store_does_not_answer_and_the_app_still_does():
    nowhere = Repository(make_engine("postgresql://postgres@127.0.0.1:1/test"))  # nothing listens
    assert health_of(nowhere) == (200, {"status": "ok", "store": "unavailable"})
