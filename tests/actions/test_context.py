import asyncio

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.context import ActionReplyInContext


def run(text: str, intent: str, previous_action: str, pending: str | None,
        slots: dict | None = None, entities: list[dict] | None = None):
    events = [
        {"event": "action", "name": previous_action},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text},
    ]
    latest = {"text": text, "intent": {"name": intent}, "entities": entities or []}
    tracker = Tracker("u", {"pending_question": pending, **(slots or {})}, latest, events,
                      False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionReplyInContext().run(dispatcher, tracker, {}))
    return [m["response"] for m in dispatcher.messages], events


def test_without_a_pending_question_the_usual_reply():
    assert run("qsdkjh", "nonsense", "utter_greet", None)[0] == ["utter_default"]
    assert run("la meteo", "out_of_scope", "utter_greet", None)[0] == ["utter_out_of_scope"]
    assert run("oui", "affirm", "utter_greet", None)[0] == ["utter_affirm"]
    assert run("non", "deny", "utter_greet", None)[0] == ["utter_deny"]
    assert run("un peu", "quiz_answer", "utter_greet", None)[0] == ["utter_quiz_not_running"]


def test_answer_to_the_commune_question_is_read_as_a_place():
    assert run("abcde", "nonsense", "action_find_antenne", "location")[0] == ["utter_commune_not_found"]
    assert run("5900", "nlu_fallback", "action_locate", "location")[0] == ["utter_malformed_location"]
    assert run("paris", "out_of_scope", "action_find_antenne", "location")[0][0] == "utter_commune_not_found"


def test_a_digression_ends_the_pending_question():
    assert run("abcde", "nonsense", "utter_what_is_clea", "location")[0] == ["utter_default"]


def test_yes_during_the_quiz_answers_the_question():
    responses, events = run("ouais", "affirm", "action_quiz_start", "quiz",
                            slots={"quiz_position": 0, "quiz_answers": {}})
    assert responses == ["utter_quiz_item_fr_ordre"]
    slots = {e["name"]: e["value"] for e in events}
    assert slots["quiz_answers"] == {"fr_consigne": "oui"} and slots["quiz_position"] == 1


def test_a_late_click_on_the_current_question_counts_after_a_digression():
    responses, _ = run('/quiz_answer{"quiz_item":"fr_consigne","quiz_choice":"un_peu"}',
                       "quiz_answer", "utter_clea_numerique", None,
                       slots={"quiz_position": 0, "quiz_answers": {}},
                       entities=[{"entity": "quiz_item", "value": "fr_consigne"},
                                 {"entity": "quiz_choice", "value": "un_peu"}])
    assert responses == ["utter_quiz_item_fr_ordre"]


def test_yes_to_a_single_suggested_commune_chooses_it():
    suggestion = {"event": "bot", "text": "Vouliez-vous dire une de ces communes ?", "data": {
        "buttons": [{"title": "Béthune (Pas-de-Calais, 62400)",
                     "payload": '/give_location{"commune_id":"62119"}'}]}}
    events = [{"event": "action", "name": "action_locate"}, suggestion,
              {"event": "action", "name": "action_listen"}, {"event": "user", "text": "oui"}]
    tracker = Tracker("u", {"pending_question": "location"},
                      {"text": "oui", "intent": {"name": "affirm"}, "entities": []}, events,
                      False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    result = asyncio.run(ActionReplyInContext().run(dispatcher, tracker, {}))
    assert {"event": "slot", "name": "commune", "value": "Béthune"} in [
        {k: e[k] for k in ("event", "name", "value")} for e in result if e.get("event") == "slot"]
    assert dispatcher.messages[0]["response"] == "utter_antenne_found"
