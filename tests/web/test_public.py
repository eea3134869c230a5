"""The public page, its widget script, and the chat endpoints: bad requests, foreign
origins and an assistant that does not answer (the browser tests cover the good path)."""

import asyncio
import html

from aiohttp.test_utils import TestClient, TestServer

from bot.channels.identity import issue_web_id, valid_web_id
from dossiers.db import make_engine
from dossiers.repository import Repository
from web.app import create_app

PARTNER = "https://partenaire.example"


def run(tmp_path, monkeypatch, scenario) -> None:
    monkeypatch.setenv("CLEA_RASA_URL", "http://127.0.0.1:1")  # nothing listens there
    monkeypatch.setenv("CLEA_ALLOWED_ORIGINS", f"{PARTNER},http://127.0.0.1:8080")
    monkeypatch.setenv("CLEA_SECRET_KEY", "the tests' secret")

    async def main() -> None:
        app = create_app(Repository(make_engine(f"sqlite:///{tmp_path / 'd.db'}")), b"k" * 32)
        async with TestClient(TestServer(app)) as client:
            await scenario(client)

    asyncio.run(main())


def test_unreadable_chat_requests_get_a_400(tmp_path, monkeypatch):
    async def scenario(client: TestClient) -> None:
        for body in (
            "",
            "{",
            f'{{"sender": "{issue_web_id()}"}}',
            '["abcdefgh", "bonjour"]',
            "[" * 100_000 + "]" * 100_000,
            '{"n": ' + "9" * 5000 + "}",
        ):
            response = await client.post(
                "/chat", data=body, headers={"Content-Type": "application/json"}
            )
            assert response.status == 400

    run(tmp_path, monkeypatch, scenario)


def test_an_assistant_that_does_not_answer_gets_a_polite_503(tmp_path, monkeypatch):
    async def scenario(client: TestClient) -> None:
        response = await client.post("/chat", json={"sender": issue_web_id(), "message": "bonjour"})
        assert response.status == 503
        assert "03 59 61 62 63" in (await response.json())["error"]

    run(tmp_path, monkeypatch, scenario)


def test_the_page_is_french_and_has_no_inline_script(tmp_path, monkeypatch):
    async def scenario(client: TestClient) -> None:
        response = await client.get("/")
        page = await response.text()
        assert '<html lang="fr">' in page and '<script src="/widget.js" defer>' in page
        assert "<script>" not in page
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]

    run(tmp_path, monkeypatch, scenario)


def test_the_widget_script_bundles_socket_io_client_without_globals(tmp_path, monkeypatch):
    async def scenario(client: TestClient) -> None:
        response = await client.get("/widget.js")
        script = await response.text()
        assert response.content_type == "application/javascript"
        assert "Socket.IO v4" in script and "Une question sur CléA ?" in script
        assert "var io = module.exports;" in script and "sourceMappingURL" not in script

    run(tmp_path, monkeypatch, scenario)


def test_only_allowed_origins_may_post_to_the_chat(tmp_path, monkeypatch):
    async def scenario(client: TestClient) -> None:
        preflight = await client.options("/chat", headers={"Origin": PARTNER})
        assert preflight.status == 204
        assert preflight.headers["Access-Control-Allow-Origin"] == PARTNER
        refused = await client.options("/chat", headers={"Origin": "https://evil.example"})
        assert refused.status == 403 and "Access-Control-Allow-Origin" not in refused.headers
        foreign = await client.post(
            "/chat",
            json={"sender": issue_web_id(), "message": "bonjour"},
            headers={"Origin": "https://evil.example"},
        )
        assert foreign.status == 403
        partner = await client.post(
            "/chat",
            json={"sender": issue_web_id(), "message": "bonjour"},
            headers={"Origin": PARTNER},
        )
        assert partner.status == 503  # allowed, but nothing listens at CLEA_RASA_URL
        assert partner.headers["Access-Control-Allow-Origin"] == PARTNER

    run(tmp_path, monkeypatch, scenario)


def test_the_socket_endpoint_takes_allowed_websockets_only(tmp_path, monkeypatch):
    async def scenario(client: TestClient) -> None:
        query = "/socket.io/?EIO=4&transport="
        foreign = await client.get(query + "websocket", headers={"Origin": "https://evil.example"})
        assert foreign.status == 403
        no_origin = await client.get(query + "websocket")
        assert no_origin.status == 403
        polling = await client.get(query + "polling", headers={"Origin": PARTNER})
        assert polling.status == 400
        not_upgraded = await client.get(query + "websocket", headers={"Origin": PARTNER})
        assert not_upgraded.status == 400
        upgrade = {
            "Origin": PARTNER,
            "Connection": "Upgrade",
            "Upgrade": "websocket",
            "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        }
        rasa_away = await client.get(query + "websocket", headers=upgrade)
        assert rasa_away.status == 503 and "03 59 61 62 63" in await rasa_away.text()

    run(tmp_path, monkeypatch, scenario)


def test_conversation_ids_are_issued_here_and_others_refused(tmp_path, monkeypatch):
    async def scenario(client: TestClient) -> None:
        issued = (await (await client.post("/chat/session")).json())["sender"]
        assert valid_web_id(issued)
        for sender in ("abcdefgh12", "1234567890", "tg:1234567890", issued[:-1] + "x", 42):
            refused = await client.post("/chat", json={"sender": sender, "message": "bonjour"})
            assert refused.status == 403 and (await refused.json())["restart"] is True
        foreign = await client.post("/chat/session", headers={"Origin": "https://evil.example"})
        assert foreign.status == 403

    run(tmp_path, monkeypatch, scenario)


def test_each_client_has_a_message_and_a_new_conversation_rate(tmp_path, monkeypatch):
    monkeypatch.setenv("CLEA_CHAT_MESSAGES_PER_MINUTE", "4")

    async def scenario(client: TestClient) -> None:
        sessions = [(await client.post("/chat/session")).status for _ in range(3)]
        assert sessions == [200, 200, 429]
        sender = issue_web_id()
        statuses = [
            (await client.post("/chat", json={"sender": sender, "message": "a"})).status
            for _ in range(5)
        ]
        assert statuses == [503, 503, 503, 503, 429]
        too_fast = await client.post("/chat", json={"sender": sender, "message": "a"})
        assert "Attendez une minute" in (await too_fast.json())["error"]

    run(tmp_path, monkeypatch, scenario)


def test_the_personal_data_notice_says_what_the_system_does(tmp_path, monkeypatch):
    async def scenario(client: TestClient) -> None:
        page = await (await client.get("/")).text()
        assert 'href="/donnees-personnelles"' in page
        notice = await client.get("/donnees-personnelles")
        text = await notice.text()
        assert notice.status == 200 and "<script" not in text
        for fact in (
            "12 mois après la fin du suivi",
            "24 mois au plus",
            "90 jours après votre dernier message",
            "l'équipe de Transitions Pro",
            "retirer votre accord",
            "la CNIL",
            "contactlille@transitionspro-hdf.fr",
            "l'application voit aussi vos messages",
        ):
            assert fact in " ".join(html.unescape(text).split()), fact

    run(tmp_path, monkeypatch, scenario)


def test_footer_pages_favicon_and_a_compressed_cacheable_widget(tmp_path, monkeypatch):
    async def scenario(client: TestClient) -> None:
        for path, heading in (
            ("/mentions-legales", "Mentions légales"),
            ("/accessibilite", "Déclaration d'accessibilité"),
        ):
            page = await (await client.get(path)).text()
            assert f"<h1>{heading}</h1>" in page, path
            assert 'href="tel:0359616263"' in page
        home = await (await client.get("/")).text()
        for link in ("/donnees-personnelles", "/mentions-legales", "/accessibilite"):
            assert f'href="{link}"' in home
        icon = await client.get("/favicon.ico")
        assert icon.status == 200 and icon.content_type == "image/svg+xml"
        widget = await client.get("/widget.js", headers={"Accept-Encoding": "gzip"})
        assert widget.status == 200 and widget.headers["Content-Encoding"] == "gzip"
        assert "max-age" in widget.headers["Cache-Control"]
        again = await client.get("/widget.js", headers={"If-None-Match": widget.headers["ETag"]})
        assert again.status == 304

    run(tmp_path, monkeypatch, scenario)
