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
    assert run("paris", "out_of_scope", "action_find_antenne", "location")[0] == ["utter_outside_region_named"]


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


def suggested(text: str, ranking: list[tuple[str, float]], entities: list[dict] | None = None):
    events = [{"event": "action", "name": "utter_greet"}, {"event": "action", "name": "action_listen"},
              {"event": "user", "text": text}]
    latest = {"text": text, "intent": {"name": "nlu_fallback"}, "entities": entities or [],
              "intent_ranking": [{"name": "nlu_fallback", "confidence": 0.3}]
              + [{"name": name, "confidence": c} for name, c in ranking]}
    tracker = Tracker("u", {}, latest, events, False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionReplyInContext().run(dispatcher, tracker, {}))
    return dispatcher.messages


def test_when_unsure_the_two_likeliest_topics_and_something_else():
    messages = suggested("le truc des sous", [("ask_financing", 0.28), ("ask_duration", 0.2),
                                              ("ask_process", 0.15)])
    assert messages[0]["response"] == "utter_did_you_mean_choices"
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        "/ask_financing", "/ask_duration", "/ask_menu"]


def test_when_unsure_a_place_named_is_offered_first():
    messages = suggested("le truc a lens", [("ask_financing", 0.28)],
                         [{"entity": "place", "value": "Lens"}])
    assert messages[0]["buttons"][0]["title"] == "L'antenne pour Lens"


def test_when_nothing_is_likely_the_menu():
    messages = suggested("zzz", [("greet", 0.2), ("ask_financing", 0.05)])
    assert [m["response"] for m in messages] == ["utter_default"]


def test_the_menu_is_never_offered_twice():
    messages = suggested("euh", [("ask_menu", 0.2), ("ask_process", 0.15)])
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/ask_process", "/ask_menu"]
