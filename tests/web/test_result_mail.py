"""/chat/result-email: the quiz result by e-mail, our text only, when SMTP is set."""

import asyncio
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from bot.channels.identity import issue_web_id
from dossiers.db import make_engine
from dossiers.repository import Repository
from web.app import create_app
from web.result_mail import RESULT_MAILS_PER_HOUR

LEVELS = {
    "1": "a_l_aise",
    "2": "a_travailler",
    "3": None,
    "4": "a_consolider",
    "5": "a_l_aise",
    "6": "a_l_aise",
    "7": "a_l_aise",
}


def run(tmp_path: Path, monkeypatch, scenario, smtp_port: int | None) -> None:
    monkeypatch.setenv("CLEA_SECRET_KEY", "the tests' secret")
    if smtp_port:
        monkeypatch.setenv("CLEA_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("CLEA_SMTP_PORT", str(smtp_port))
    else:
        monkeypatch.delenv("CLEA_SMTP_HOST", raising=False)

    async def main() -> None:
        app = create_app(Repository(make_engine(f"sqlite:///{tmp_path / 'd.db'}")), b"k" * 32)
        async with TestClient(TestServer(app)) as client:
            await scenario(client)

    asyncio.run(main())


def test_the_result_is_sent_in_words_to_the_address_typed(tmp_path, monkeypatch, smtp_server):
    inbox, port = smtp_server

    async def scenario(client: TestClient) -> None:
        session = await (await client.post("/chat/session")).json()
        assert session["result_by_email"] is True  # the widget then offers it
        response = await client.post(
            "/chat/result-email",
            json={
                "sender": session["sender"],
                "email": " lea.martin@exemple.fr ",
                "levels": LEVELS,
            },
        )
        assert response.status == 200 and (await response.json()) == {"sent": True}

    run(tmp_path, monkeypatch, scenario, port)
    mail = inbox.messages[0]
    assert (
        mail["To"] == "lea.martin@exemple.fr" and mail["Subject"] == "Votre résultat au test CléA"
    )
    body = mail.get_content()
    assert "1. Le français : à l'aise" in body and "2. Le calcul : à apprendre" in body
    assert "3. Le numérique : pas assez de réponses" in body
    assert "À renforcer : Vous savez un peu." in body and "03 59 61 62 63" in body


def test_bad_requests_and_too_many_get_a_polite_answer(tmp_path, monkeypatch, smtp_server):
    inbox, port = smtp_server

    async def scenario(client: TestClient) -> None:
        sender = issue_web_id()
        for body, status in (
            ({"sender": sender, "email": "pas une adresse", "levels": LEVELS}, 400),
            ({"sender": sender, "email": "a@b.fr", "levels": {"1": "<b>génial</b>"}}, 400),
            ({"sender": sender, "email": "a@b.fr", "levels": {"9": "a_l_aise"}}, 400),
            ({"sender": sender, "email": "a@b.fr", "levels": ["a_l_aise"]}, 400),
            (
                {"sender": "web:" + "0" * 32 + "." + "0" * 32, "email": "a@b.fr", "levels": LEVELS},
                403,
            ),
        ):
            response = await client.post("/chat/result-email", json=body)
            assert response.status == status, body
            assert "error" in await response.json()
        for _ in range(RESULT_MAILS_PER_HOUR):
            ok = await client.post(
                "/chat/result-email", json={"sender": sender, "email": "a@b.fr", "levels": LEVELS}
            )
            assert ok.status == 200
        refused = await client.post(
            "/chat/result-email", json={"sender": sender, "email": "a@b.fr", "levels": LEVELS}
        )
        assert refused.status == 429

    run(tmp_path, monkeypatch, scenario, port)
    assert len(inbox.messages) == RESULT_MAILS_PER_HOUR


def test_without_smtp_it_is_not_offered(tmp_path, monkeypatch):
    async def scenario(client: TestClient) -> None:
        session = await (await client.post("/chat/session")).json()
        assert session["result_by_email"] is False
        response = await client.post(
            "/chat/result-email",
            json={"sender": session["sender"], "email": "a@b.fr", "levels": LEVELS},
        )
        assert response.status == 404

    run(tmp_path, monkeypatch, scenario, None)
