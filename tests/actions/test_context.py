from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.context import ActionReplyInContext


def run(text: str, intent: str, slots: dict | None = None, entities: list[dict] | None = None):
    events = [{"event": "action", "name": "action_listen"}, {"event": "user", "text": text}]
    latest = {"text": text, "intent": {"name": intent}, "entities": entities or []}
    tracker = Tracker("u", slots or {}, latest, events, False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    events = ActionReplyInContext().run(dispatcher, tracker, {})
    return [m["response"] for m in dispatcher.messages], events


def test_with_no_question_open_the_usual_reply():
    assert run("qsdkjh", "nonsense")[0] == ["utter_default"]
    assert run("la meteo", "out_of_scope")[0] == ["utter_out_of_scope"]
    assert run("oui", "affirm")[0] == ["utter_affirm"]
    assert run("non", "deny")[0] == ["utter_deny"]
    assert run("un peu", "quiz_answer")[0] == ["utter_quiz_not_running"]
    finished = {"quiz_position": 21, "quiz_answers": {}}
    assert run("b", "quiz_answer", slots=finished)[0] == ["utter_quiz_not_running"]


def test_a_typed_answer_after_a_digression_counts_for_the_current_question():
    responses, events = run(
        "pas toujours", "quiz_answer", slots={"quiz_position": 0, "quiz_answers": {}}
    )
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert responses == [] and slots["quiz_answers"] == {"fr_consigne": "un_peu"}


def test_a_late_click_on_the_current_question_counts_after_a_digression():
    responses, events = run(
        '/quiz_answer{"quiz_item":"fr_consigne","quiz_choice":"un_peu"}',
        "quiz_answer",
        slots={"quiz_position": 0, "quiz_answers": {}},
        entities=[
            {"entity": "quiz_item", "value": "fr_consigne"},
            {"entity": "quiz_choice", "value": "un_peu"},
        ],
    )
    assert responses == []  # the quiz form asks the next question
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert slots["quiz_answers"] == {"fr_consigne": "un_peu"} and slots["quiz_position"] == 1
    assert events[-1]["event"] == "followup" and events[-1]["name"] == "quiz_form"


def suggested(text: str, ranking: list[tuple[str, float]], entities: list[dict] | None = None):
    events = [
        {"event": "action", "name": "utter_greet"},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text},
    ]
    latest = {
        "text": text,
        "intent": {"name": "nlu_fallback"},
        "entities": entities or [],
        "intent_ranking": [{"name": "nlu_fallback", "confidence": 0.3}]
        + [{"name": name, "confidence": c} for name, c in ranking],
    }
    tracker = Tracker("u", {}, latest, events, False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    ActionReplyInContext().run(dispatcher, tracker, {})
    return dispatcher.messages


def test_when_unsure_the_two_likeliest_topics_and_something_else():
    messages = suggested(
        "le truc des sous", [("ask_financing", 0.28), ("ask_duration", 0.2), ("ask_process", 0.15)]
    )
    assert messages[0]["response"] == "utter_did_you_mean_choices"
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        "/ask_financing",
        "/ask_duration",
        "/ask_menu",
    ]


def test_when_unsure_a_place_named_is_offered_first():
    messages = suggested(
        "le truc a lens", [("ask_financing", 0.28)], [{"entity": "place", "value": "Lens"}]
    )
    assert messages[0]["buttons"][0]["title"] == "L'antenne pour Lens"


def test_when_nothing_is_likely_the_menu():
    messages = suggested("zzz", [("greet", 0.2), ("ask_financing", 0.05)])
    assert [m["response"] for m in messages] == ["utter_default"]


def test_the_menu_is_never_offered_twice():
    messages = suggested("euh", [("ask_menu", 0.2), ("ask_process", 0.15)])
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/ask_process", "/ask_menu"]
