"""End to end over HTTP: the real Rasa server and action server, French answers."""

import json
import sqlite3
import time

import pytest
from helpers import post, say, texts

from harness.servers import Servers, new_sender
from referentiel import load_referentiel


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def test_sms_spelling_question_about_clea(servers: Servers):
    answer = texts(say(servers, "c koi cléa"))
    assert "certificat" in answer and "savoirs de base" in answer


def test_the_seven_domains_come_in_two_messages_with_buttons(servers: Servers):
    messages = say(servers, "quels sont les domaines")
    assert len(messages) == 2
    for domain in load_referentiel().domains:
        assert domain.short in texts(messages)
    payloads = [button["payload"] for button in messages[-1]["buttons"]]
    assert '/ask_subdomains{"domain":"1"}' in payloads


def test_greeting_offers_the_main_menu(servers: Servers):
    messages = say(servers, "bonjour")
    assert "Bonjour" in texts(messages)
    titles = [b["title"] for b in messages[-1]["buttons"]]
    assert "Découvrir CléA" in titles and "Parler à quelqu'un" in titles


def test_domain_button_runs_the_action_with_the_referentiels_titles(servers: Servers):
    messages = say(servers, '/ask_subdomains{"domain":"2"}')
    answer = texts(messages)
    for sub in load_referentiel().domain(2).subdomains:
        assert f"{sub.id} {sub.plain}" in answer
        assert f"« {sub.official} »" not in answer
    official = [b for b in messages[-1]["buttons"] if b["title"] == "Les titres officiels"]
    assert official and official[0]["payload"] == '/ask_domains_official{"domain":"2"}'


def test_official_titles_button_gives_the_domains_official_titles(servers: Servers):
    answer = texts(say(servers, '/ask_domains_official{"domain":"2"}'))
    domain = load_referentiel().domain(2)
    assert f"« {domain.official} »" in answer
    for sub in domain.subdomains:
        assert f"« {sub.official} »" in answer


def test_typed_domain_question_runs_the_action(servers: Servers):
    answer = texts(say(servers, "c koi les sous domaines du domaine securite"))
    assert "Domaine 7" in answer
    assert "premiers secours" in answer


def test_talk_to_someone_gives_the_head_office_phone(servers: Servers):
    answer = texts(say(servers, "je veux parler a quelqu'un"))
    assert load_referentiel().organisation.phone in answer


def test_english_gets_a_french_answer(servers: Servers):
    assert "Ce service est en français" in texts(
        say(servers, "hello, what is this certificate about?")
    )


def test_a_conversation_keeps_its_sender(servers: Servers):
    sender = new_sender()
    assert say(servers, "salut", sender)
    assert "7 domaines" in texts(say(servers, "ya combien de domaines ?", sender))


def test_html_is_treated_as_text(servers: Servers):
    messages = say(servers, "<script>alert('x')</script><b>clea</b>")
    assert messages
    assert "<script>" not in texts(messages)


def test_5000_character_message_gets_a_polite_note(servers: Servers):
    answer = texts(say(servers, "je voudrais savoir " * 280))
    assert "trop long" in answer


def test_100_kb_messages_are_answered_fast_and_memory_stays_flat(servers: Servers):
    before = rss_kb(servers.rasa.pid)
    for _ in range(3):
        started = time.monotonic()
        answer = texts(say(servers, "é" * 100_000))
        assert "trop long" in answer
        assert time.monotonic() - started < 10
    assert rss_kb(servers.rasa.pid) - before < 100_000


@pytest.mark.parametrize(
    "body",
    [
        "",
        "{not json",
        "[]",
        '{"message": "bonjour"}',
        '{"sender": "", "message": "bonjour"}',
        '{"sender": "abc"}',
        '{"sender": "abc", "message": "   "}',
    ],
)
def test_unreadable_requests_get_a_400(servers: Servers, body: str):
    response = post(servers, body)
    assert response.status_code == 400
    assert response.json()["error"]


def test_invalid_utf8_gets_a_400(servers: Servers):
    assert post(servers, b'{"sender": "a", "message": "\xff\xfe"}').status_code == 400


def test_emoji_only_gets_a_polite_answer(servers: Servers):
    assert say(servers, "👍😀")


def test_server_stays_up_after_bad_input(servers: Servers):
    assert servers.rasa.poll() is None
    assert "Bonjour" in texts(say(servers, "bonjour"))


def test_conversations_are_kept_in_the_sqlite_tracker_store(servers: Servers):
    sender = new_sender()
    say(servers, "c'est quoi clea numerique", sender)
    with sqlite3.connect(servers.workdir / "trackers.db") as db:
        rows = db.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user'", (sender,)
        ).fetchall()
    assert [json.loads(data)["text"] for (data,) in rows] == ["c'est quoi clea numerique"]


def user_messages(servers: Servers, sender: str) -> list[str]:
    with sqlite3.connect(servers.workdir / "trackers.db") as db:
        rows = db.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user'", (sender,)
        ).fetchall()
    return [json.loads(data)["text"] for (data,) in rows]


def say_with_id(servers: Servers, sender: str, text: str, message_id: str) -> list[dict]:
    response = post(
        servers, json.dumps({"sender": sender, "message": text, "message_id": message_id})
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_a_message_sent_again_with_its_id_is_answered_once(servers: Servers):
    sender = new_sender()
    first = say_with_id(servers, sender, "je suis de lens", "message-0001")
    again = say_with_id(servers, sender, "je suis de lens", "message-0001")
    assert "d'Arras" in texts(first) and again == first
    assert "Question 1 sur" in texts(
        say_with_id(servers, sender, "je veux tester mon niveau", "message-0002")
    )
    assert say_with_id(servers, sender, "je suis de lens", "message-0001") == first
    assert user_messages(servers, sender) == ["je suis de lens", "je veux tester mon niveau"]


def test_a_message_whose_first_try_left_nothing_is_handled_when_sent_again(servers: Servers):
    """The first try reached a server that was killed before it saved the conversation."""
    sender = new_sender()
    with sqlite3.connect(servers.workdir / "trackers.db") as db:
        db.execute(
            "INSERT INTO channel_deliveries VALUES (?, ?)",
            (f"web:{sender}:message-lost", time.time()),
        )
    assert "d'Arras" in texts(say_with_id(servers, sender, "je suis de lens", "message-lost"))
    assert user_messages(servers, sender) == ["je suis de lens"]


def test_a_made_up_message_id_gets_a_clear_400(servers: Servers):
    response = post(
        servers, json.dumps({"sender": new_sender(), "message": "oui", "message_id": "<script>"})
    )
    assert response.status_code == 400 and "message_id" in response.json()["error"]
