from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.info import ActionExplainDomain


def _tracker(text: str, entities: list[dict] | None = None) -> Tracker:
    latest = {"text": text, "intent": {"name": "ask_subdomains"}, "entities": entities or []}
    return Tracker("test-user", {}, latest, [], False, None, {}, "action_listen")


def _run(text: str, entities: list[dict] | None = None) -> list[str]:
    dispatcher = CollectingDispatcher()
    events = ActionExplainDomain().run(dispatcher, _tracker(text, entities), {})
    assert events == []
    return [message["response"] for message in dispatcher.messages]


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
