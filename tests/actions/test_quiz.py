from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.quiz import (
    ActionQuizRestart, ActionQuizResume, ActionQuizStart, ActionQuizStop, answer_quiz,
)
from referentiel.quiz import load_quiz

QUIZ = load_quiz()


def tracker(text: str = "", slots: dict | None = None, entities: list[dict] | None = None):
    latest = {"text": text, "intent": {"name": "quiz_answer"}, "entities": entities or []}
    return Tracker("u", slots or {}, latest, [], False, None, {}, "action_listen")


def run(action, **kwargs):
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, tracker(**kwargs), {})
    return dispatcher.messages, {e["name"]: e["value"] for e in events}


def test_start_gives_the_intro_and_the_first_question():
    messages, slots = run(ActionQuizStart())
    assert [m["response"] for m in messages] == ["utter_quiz_intro", "utter_quiz_item_fr_consigne"]
    assert (messages[1]["number"], messages[1]["total"]) == (1, len(QUIZ.items))
    assert slots == {"quiz_answers": {}, "quiz_position": 0, "pending_question": "quiz"}


def test_start_during_a_quiz_offers_resume_or_restart():
    messages, _ = run(ActionQuizStart(), slots={"quiz_position": 5})
    assert messages[0]["response"] == "utter_quiz_resume_or_restart"


def test_resume_asks_the_question_where_the_person_stopped():
    messages, slots = run(ActionQuizResume(), slots={"quiz_position": 5})
    assert messages[0]["response"] == f"utter_quiz_item_{QUIZ.items[5].id}"
    assert slots["pending_question"] == "quiz"


def test_restart_and_stop():
    messages, slots = run(ActionQuizRestart(), slots={"quiz_position": 5, "quiz_answers": {"x": "oui"}})
    assert slots["quiz_answers"] == {} and slots["quiz_position"] == 0
    messages, slots = run(ActionQuizStop(), slots={"quiz_position": 5})
    assert messages[0]["response"] == "utter_quiz_paused" and slots["pending_question"] is None
    messages, _ = run(ActionQuizStop())
    assert messages[0]["response"] == "utter_quiz_not_running"


def _answer(text: str, position: int, answers: dict, entities=None):
    dispatcher = CollectingDispatcher()
    events = answer_quiz(dispatcher, tracker(text, {"quiz_position": position,
                                                   "quiz_answers": answers}, entities))
    return dispatcher.messages, {e["name"]: e["value"] for e in events}


def test_typed_answers_are_understood():
    assert _answer("non pas trop", 0, {})[1]["quiz_answers"] == {"fr_consigne": "un_peu"}
    assert _answer("la 1", 1, {})[1]["quiz_answers"] == {"fr_ordre": "a"}
    assert _answer("je sais pas", 1, {})[1]["quiz_answers"] == {"fr_ordre": "ne_sais_pas"}


def test_unclear_answer_asks_again():
    messages, slots = _answer("peut-être demain", 0, {})
    assert [m["response"] for m in messages] == ["utter_quiz_not_understood_intro",
                                                 "utter_quiz_item_fr_consigne"]
    assert "quiz_answers" not in slots


def test_last_answer_gives_the_result_for_the_7_domains():
    answers = {item.id: "ne_sais_pas" for item in QUIZ.items[:-1]}
    messages, slots = _answer("oui", len(QUIZ.items) - 1, answers)
    assert [m["response"] for m in messages] == ["utter_quiz_result_part1", "utter_quiz_result_part2"]
    assert all(f"level_{d}" in messages[0] for d in range(1, 8))
    assert "surtout pour" in messages[1]["summary"]
    assert set(slots["quiz_levels"]) == {str(d) for d in range(1, 8)}
    assert slots["quiz_position"] == len(QUIZ.items) and slots["pending_question"] is None


def test_answer_without_a_quiz():
    messages, _ = _answer("oui", None, {})
    assert messages[0]["response"] == "utter_quiz_not_running"
