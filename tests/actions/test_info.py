from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.info import ActionExplainDomain


def _tracker(
    text: str, entities: list[dict] | None = None, intent: str = "ask_subdomains"
) -> Tracker:
    latest = {"text": text, "intent": {"name": intent}, "entities": entities or []}
    return Tracker("test-user", {}, latest, [], False, None, {}, "action_listen")


def _messages(
    text: str, entities: list[dict] | None = None, intent: str = "ask_subdomains"
) -> list[dict]:
    dispatcher = CollectingDispatcher()
    events = ActionExplainDomain().run(dispatcher, _tracker(text, entities, intent), {})
    assert events == []
    return dispatcher.messages


def _run(
    text: str, entities: list[dict] | None = None, intent: str = "ask_subdomains"
) -> list[str]:
    return [message["response"] for message in _messages(text, entities, intent)]


def test_button_entity_names_the_domain():
    sent = _run('/ask_subdomains{"domain":"4"}', [{"entity": "domain", "value": "4"}])
    assert sent == ["utter_domain_4_part1", "utter_domain_4_part2"]


def test_typed_theme_names_the_domain():
    assert _run("c koi le domaine securiter") == ["utter_domain_7_part1", "utter_domain_7_part2"]


def test_unknown_entity_value_falls_back_to_the_text():
    sent = _run("les maths", [{"entity": "domain", "value": "12"}])
    assert sent == ["utter_domain_2_part1", "utter_domain_2_part2"]


def test_no_domain_named_asks_which_one():
    assert _run("les sous domaines svp") == ["utter_ask_which_domain"]


def test_the_plain_detail_offers_this_domains_official_titles():
    messages = _messages('/ask_subdomains{"domain":"6"}', [{"entity": "domain", "value": "6"}])
    assert "buttons" not in messages[0] or not messages[0]["buttons"]
    assert messages[1]["buttons"] == [
        {"title": "Les titres officiels", "payload": '/ask_domains_official{"domain":"6"}'}
    ]


def test_official_titles_of_the_domain_named():
    sent = _run(
        '/ask_domains_official{"domain":"6"}',
        [{"entity": "domain", "value": "6"}],
        intent="ask_domains_official",
    )
    assert sent == ["utter_domain_6_official_part1", "utter_domain_6_official_part2"]
    assert _run("l'intitulé officiel du domaine 4", intent="ask_domains_official") == [
        "utter_domain_4_official_part1",
        "utter_domain_4_official_part2",
    ]
    assert _run("c quoi le titre exact du domaine numerique", intent="ask_domains_official") == [
        "utter_domain_3_official_part1",
        "utter_domain_3_official_part2",
    ]


def test_official_titles_of_every_domain_when_none_is_named():
    every = ["utter_domains_official_part1", "utter_domains_official_part2"]
    for text in (
        "/ask_domains_official",
        "les titres officiels svp",
        "la formulation officielle des domaines",
        "le texte officiel des 7 domaines",
    ):
        assert _run(text, intent="ask_domains_official") == every, text
