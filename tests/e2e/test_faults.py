"""Faults survived by the real servers: the action server down, then back."""

from helpers import say, texts

from harness.servers import Servers

PHONE = "03 59 61 62 63"


def test_action_server_down_gets_an_apology_then_normal_again(servers: Servers):
    assert "d'Arras" in texts(say(servers, "je suis de lens"))
    servers.stop_actions()
    try:
        answer = say(servers, "je suis de lens")
        assert len(answer) == 1
        assert "problème" in answer[0]["text"] and PHONE in answer[0]["text"]
        assert [b["title"] for b in answer[0]["buttons"]] == ["Menu"]
        assert "Bonjour" in texts(say(servers, "bonjour"))  # no action needed: still answered
    finally:
        servers.start_actions()
    assert "d'Arras" in texts(say(servers, "je suis de lens"))
