"""/chat/audio: a message read aloud for the widget, refused politely when it should be."""

import asyncio
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from bot.channels.identity import issue_web_id
from dossiers.db import make_engine
from dossiers.repository import Repository
from speech.synthesis import Speaker, spoken_text
from web.app import create_app

PARTNER = "https://partenaire.example"


def run(tmp_path: Path, monkeypatch, scenario, fixed: set[str] = frozenset()) -> None:
    monkeypatch.setenv("CLEA_ALLOWED_ORIGINS", PARTNER)
    monkeypatch.setenv("CLEA_SECRET_KEY", "the tests' secret")

    async def main() -> None:
        app = create_app(
            Repository(make_engine(f"sqlite:///{tmp_path / 'd.db'}")),
            b"k" * 32,
            speaker=Speaker(tmp_path / "audio", fixed=set(fixed)),
        )
        async with TestClient(TestServer(app)) as client:
            await scenario(client)

    asyncio.run(main())


def test_a_message_and_its_choices_come_back_as_mp3(tmp_path, monkeypatch):
    fixed = spoken_text("Vous êtes salarié ?", ["Oui", "Non"])

    async def scenario(client: TestClient) -> None:
        response = await client.post(
            "/chat/audio",
            headers={"Origin": PARTNER},
            json={
                "sender": issue_web_id(),
                "text": "Vous êtes salarié ?",
                "choices": ["Oui", "Non"],
            },
        )
        assert response.status == 200
        assert response.content_type == "audio/mpeg"
        assert response.headers["Access-Control-Allow-Origin"] == PARTNER
        assert response.headers["Cache-Control"] == "no-store"
        assert len(await response.read()) > 5000  # a few seconds of speech
        preflight = await client.options("/chat/audio", headers={"Origin": PARTNER})
        assert preflight.status == 204

    run(tmp_path, monkeypatch, scenario, {fixed})
    assert len(list((tmp_path / "audio").glob("*.mp3"))) == 1  # a fixed answer, kept


def test_bad_requests_get_a_polite_refusal(tmp_path, monkeypatch):
    async def scenario(client: TestClient) -> None:
        sender = issue_web_id()
        for body, status in (
            ({"sender": sender}, 400),
            ({"sender": sender, "text": "Bonjour", "choices": "Oui"}, 400),
            ({"sender": sender, "text": "Bonjour", "choices": [1]}, 400),
            ({"sender": sender, "text": "   "}, 400),
            ({"sender": sender, "text": "a" * 5000}, 400),
            ({"sender": "web:" + "0" * 32 + "." + "0" * 32, "text": "Bonjour"}, 403),
            (["Bonjour"], 400),
        ):
            response = await client.post("/chat/audio", json=body)
            assert response.status == status, body
            assert "error" in await response.json()
        foreign = await client.post(
            "/chat/audio",
            headers={"Origin": "https://ailleurs.example"},
            json={"sender": sender, "text": "Bonjour"},
        )
        assert foreign.status == 403
        unreadable = await client.post(
            "/chat/audio", data="{", headers={"Content-Type": "application/json"}
        )
        assert unreadable.status == 400

    run(tmp_path, monkeypatch, scenario)
    assert not (tmp_path / "audio").exists()  # nothing said, nothing kept
