from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import ActionFallback


def run(text: str, intent: str, previous_action: str, awaiting: bool):
    events = [
        {"event": "action", "name": previous_action},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text},
    ]
    latest = {"text": text, "intent": {"name": intent}, "entities": []}
    tracker = Tracker("u", {"awaiting_location": awaiting}, latest, events, False, None, {},
                      "action_listen")
    dispatcher = CollectingDispatcher()
    slots = ActionFallback().run(dispatcher, tracker, {})
    return [m["response"] for m in dispatcher.messages], slots


def test_gibberish_without_a_question_gets_the_menu():
    responses, slots = run("qsdkjh", "nonsense", "utter_greet", awaiting=False)
    assert responses == ["utter_default"]
    assert slots[0]["value"] is False


def test_out_of_scope_gets_its_answer():
    assert run("la meteo", "out_of_scope", "utter_greet", awaiting=False)[0] == ["utter_out_of_scope"]


def test_answer_to_the_place_question_is_read_as_a_place():
    responses, _ = run("abcde", "nonsense", "action_find_antenne", awaiting=True)
    assert responses == ["utter_commune_not_found"]
    responses, _ = run("5900", "nlu_fallback", "action_locate", awaiting=True)
    assert responses == ["utter_malformed_location"]
    responses, _ = run("paris", "out_of_scope", "action_find_antenne", awaiting=True)
    assert responses[0] == "utter_commune_not_found"


def test_a_digression_ends_the_place_question():
    responses, _ = run("abcde", "nonsense", "utter_what_is_clea", awaiting=True)
    assert responses == ["utter_default"]
