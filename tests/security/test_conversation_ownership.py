"""A conversation belongs to its person: no id can be guessed, made up, or borrowed from
another channel or another socket, and a sent pre-dossier is never shown again."""

import asyncio
import json

import requests
import socketio
from helpers import post, say, texts

from bot.channels.identity import external_id, namespaced, short_hash, valid_web_id
from harness.processes import listening_addresses
from harness.servers import SECRET_KEY, Servers, new_sender

PHONE = "06 41 27 93 58"


def body(sender, message: str = "bonjour") -> str:
    return json.dumps({"sender": sender, "message": message})


def test_rasa_rest_refuses_ids_it_did_not_issue(servers: Servers):
    for sender in (
        "abcdefgh12",
        "1234567890",
        "tg:1234567890",
        "wa:whatsapp:+33612345678",
        "fb:7",
        new_sender()[:-1] + "x",
        424242,
    ):
        response = post(servers, body(sender))
        assert response.status_code == 400, sender
        assert "inconnue" in response.json()["error"]
    assert post(servers, body(new_sender())).status_code == 200


def test_the_web_app_issues_ids_and_refuses_others(servers: Servers):
    web = servers.start_console()
    issued = requests.post(f"{web}/chat/session", timeout=10).json()["sender"]
    assert valid_web_id(issued, SECRET_KEY)
    answer = requests.post(f"{web}/chat", json={"sender": issued, "message": "bonjour"}, timeout=30)
    assert answer.status_code == 200 and "Bonjour" in texts(answer.json())
    for forged in ("1234567890", "web-" + "0" * 32, "tg:1234567890", issued[:-1] + "x"):
        refused = requests.post(
            f"{web}/chat", json={"sender": forged, "message": "bonjour"}, timeout=10
        )
        assert refused.status_code == 403, forged
        assert "Recommencer" in refused.json()["error"]


def test_malformed_json_is_a_400_not_a_500(servers: Servers):
    web = servers.start_console()
    nested = b"[" * 100_000 + b"]" * 100_000
    huge_integer = b'{"sender": "x", "message": "a", "n": ' + b"9" * 5000 + b"}"
    for payload in (nested, huge_integer):
        assert post(servers, payload).status_code == 400
        answer = requests.post(
            f"{web}/chat", data=payload, timeout=10, headers={"Content-Type": "application/json"}
        )
        assert answer.status_code == 400


async def _socket(servers: Servers, session_id: str):
    client = socketio.AsyncClient(reconnection=False, request_timeout=5)
    answers: asyncio.Queue = asyncio.Queue()
    confirmed: asyncio.Queue = asyncio.Queue()
    client.on("bot_uttered", answers.put_nowait)
    client.on("session_confirm", confirmed.put_nowait)
    await client.connect(
        f"http://127.0.0.1:{servers.rasa_port}",
        transports=["polling"],
        headers={"Origin": servers.web_origin},
        wait_timeout=5,
    )
    await client.emit("session_request", {"session_id": session_id})
    return client, answers, await asyncio.wait_for(confirmed.get(), timeout=10)


def test_a_socket_acts_only_for_its_own_conversation(servers: Servers):
    async def scenario() -> None:
        victim_id = new_sender()
        victim, victim_answers, confirmed = await _socket(servers, victim_id)
        assert confirmed == victim_id  # an id we issued is kept
        attacker, attacker_answers, attacker_id = await _socket(servers, "0123456789")
        try:
            assert attacker_id != victim_id and valid_web_id(attacker_id, SECRET_KEY)
            # The attacker names the victim's session in its message: it still speaks for itself.
            await attacker.emit("user_uttered", {"message": "bonjour", "session_id": victim_id})
            assert "Bonjour" in (await asyncio.wait_for(attacker_answers.get(), 30))["text"]
            await asyncio.sleep(1)
            assert victim_answers.empty()
            # A second session request cannot move the socket to another conversation.
            await attacker.emit("session_request", {"session_id": victim_id})
            await attacker.emit("user_uttered", {"message": "c koi clea"})
            await asyncio.wait_for(attacker_answers.get(), 30)
            await asyncio.sleep(1)
            assert victim_answers.empty()
        finally:
            await attacker.eio.disconnect(abort=True)
            await victim.eio.disconnect(abort=True)

    asyncio.run(scenario())


def test_a_sent_pre_dossier_is_never_shown_again(servers: Servers):
    sender = new_sender()
    assert "commune" in texts(say(servers, "je veux m'inscrire à cléa", sender))
    consent = say(servers, "Roubaix", sender)
    assert "prénom" in texts(say(servers, consent[-1]["buttons"][0]["payload"], sender))
    say(servers, "Zéphyrine", sender)
    say(servers, "Quillebeuf", sender)
    situation = say(servers, PHONE, sender)
    say(servers, situation[-1]["buttons"][0]["payload"], sender)
    say(servers, "le matin", sender)
    created = texts(say(servers, "/affirm", sender))
    assert "CLEA-" in created
    for message in (
        '/dossier_correct{"dossier_field":"dossier_last_name"}',
        '/dossier_correct{"dossier_field":"dossier_contact"}',
        "le téléphone est faux",
        "Dupont",
        "/affirm",
        "oui",
    ):
        answer = texts(say(servers, message, sender))
        assert "Quillebeuf" not in answer and "Zéphyrine" not in answer
        assert PHONE not in answer and "0641279358" not in answer
    closed = texts(say(servers, '/dossier_correct{"dossier_field":"dossier_first_name"}', sender))
    assert "déjà envoyée" in closed and "CLEA-" in closed


def test_erasure_says_when_there_was_no_pre_dossier(servers: Servers):
    sender = new_sender()
    say(servers, "bonjour", sender)
    assert "Voulez-vous vraiment" in texts(say(servers, "supprimer mes données", sender))
    answer = texts(say(servers, "/affirm", sender))
    assert "pas de demande de rappel" in answer and "conversation est effacée" in answer


def test_messaging_ids_are_namespaced_and_hashed_in_logs():
    assert namespaced("tg", "42") == "tg:42" and external_id("tg:42") == "42"
    assert external_id("wa:whatsapp:+33612345678") == "whatsapp:+33612345678"
    assert external_id("plain") == "plain"
    assert "33612345678" not in short_hash("wa:whatsapp:+33612345678")
    assert len(short_hash("tg:42")) == 10


def test_the_test_servers_rasa_listens_on_loopback(servers: Servers):
    assert listening_addresses(servers.rasa_port) == {"0100007F"}
