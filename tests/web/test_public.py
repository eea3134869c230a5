"""The public page's chat endpoint: bad requests and an assistant that does not answer."""

import asyncio

from aiohttp.test_utils import TestClient, TestServer

from dossiers.db import make_engine
from dossiers.repository import Repository
from web.app import create_app


def run(tmp_path, monkeypatch, scenario) -> None:
    monkeypatch.setenv("CLEA_RASA_URL", "http://127.0.0.1:1")  # nothing listens there

    async def main() -> None:
        app = create_app(Repository(make_engine(f"sqlite:///{tmp_path / 'd.db'}")), b"k" * 32)
        async with TestClient(TestServer(app)) as client:
            await scenario(client)

    asyncio.run(main())


def test_unreadable_chat_requests_get_a_400(tmp_path, monkeypatch):
    async def scenario(client: TestClient) -> None:
        for body in ("", "{", '{"sender": "x", "message": "a"}', '{"sender": "abcdefgh"}',
                     '["abcdefgh", "bonjour"]'):
            response = await client.post("/chat", data=body,
                                         headers={"Content-Type": "application/json"})
            assert response.status == 400

    run(tmp_path, monkeypatch, scenario)


def test_an_assistant_that_does_not_answer_gets_a_polite_503(tmp_path, monkeypatch):
    async def scenario(client: TestClient) -> None:
        response = await client.post("/chat", json={"sender": "abcdefgh12", "message": "bonjour"})
        assert response.status == 503
        assert "03 59 61 62 63" in (await response.json())["error"]

    run(tmp_path, monkeypatch, scenario)


def test_the_page_is_french_and_has_no_inline_script(tmp_path, monkeypatch):
    async def scenario(client: TestClient) -> None:
        response = await client.get("/")
        page = await response.text()
        assert '<html lang="fr">' in page and '<script src="/static/chat.js">' in page
        assert "<script>" not in page
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]

    run(tmp_path, monkeypatch, scenario)
