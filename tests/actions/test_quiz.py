from itertools import combinations

from form_calls import answer, call, is_left_for_its_usual_reply, responses, slots_of
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from test_writing import MAX_WORDS_PER_SENTENCE, TUTOIEMENT, sentences, word_count

from actions.quiz import (
    ActionAskQuizReply,
    ActionQuizRestart,
    ActionQuizResult,
    ActionQuizResume,
    ActionQuizStart,
    ActionQuizStop,
    ValidateQuizForm,
    give_result,
)
from referentiel import load_referentiel
from referentiel.quiz import load_quiz

QUIZ = load_quiz()
DOMAINS = load_referentiel().domains


def tracker(text: str = "", slots: dict | None = None, entities: list[dict] | None = None):
    latest = {"text": text, "intent": {"name": "quiz_answer"}, "entities": entities or []}
    return Tracker("u", slots or {}, latest, [], False, None, {}, "action_listen")


def run(action, **kwargs):
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, tracker(**kwargs), {})
    return dispatcher.messages, slots_of(events)


def test_start_gives_the_intro_and_the_quiz_form_asks_the_first_question():
    messages, slots = run(ActionQuizStart())
    assert [m["response"] for m in messages] == ["utter_quiz_intro"]
    assert messages[0]["total"] == len(QUIZ.items)  # "Voici un test de 21 questions courtes."
    assert slots == {"quiz_answers": {}, "quiz_position": 0, "quiz_reply": None}
    messages, _ = call(ActionAskQuizReply(), "", "start_quiz", slots={"quiz_position": 0})
    progress, question = messages
    assert progress["custom"] == {
        "clea_display": {"kind": "progress", "number": 1, "total": len(QUIZ.items)}
    }  # the widget's bar
    assert question["response"] == "utter_quiz_item_fr_consigne"
    assert (question["number"], question["total"]) == (1, len(QUIZ.items))


def test_start_during_a_quiz_offers_resume_or_restart():
    messages, _ = run(ActionQuizStart(), slots={"quiz_position": 5})
    assert messages[0]["response"] == "utter_quiz_resume_or_restart"


def test_resume_opens_the_quiz_form_where_the_person_stopped():
    dispatcher = CollectingDispatcher()
    events = ActionQuizResume().run(dispatcher, tracker(slots={"quiz_position": 5}), {})
    assert dispatcher.messages == [] and events[-1] == {
        "event": "followup",
        "timestamp": None,
        "name": "quiz_form",
    }
    messages, _ = call(ActionAskQuizReply(), "", "resume_quiz", slots={"quiz_position": 5})
    assert responses(messages[1:]) == [f"utter_quiz_item_{QUIZ.items[5].id}"]
    assert messages[0]["custom"]["clea_display"]["number"] == 6


def test_restart_and_stop():
    messages, slots = run(
        ActionQuizRestart(), slots={"quiz_position": 5, "quiz_answers": {"x": "oui"}}
    )
    assert slots["quiz_answers"] == {} and slots["quiz_position"] == 0
    messages, slots = run(ActionQuizStop(), slots={"quiz_position": 5})
    assert messages[0]["response"] == "utter_quiz_paused" and slots == {}
    messages, _ = run(ActionQuizStop())
    assert messages[0]["response"] == "utter_quiz_not_running"


def _answer(text: str, position: int, answers: dict, entities=None, intent="quiz_answer"):
    messages, events = answer(
        ValidateQuizForm(),
        text,
        intent,
        entities=entities,
        slots={"quiz_position": position, "quiz_answers": answers},
    )
    return messages, slots_of(events)


def position(item_id: str) -> int:
    return [item.id for item in QUIZ.items].index(item_id)


def test_typed_answers_are_understood():
    assert _answer("non pas trop", 0, {})[1]["quiz_answers"] == {"fr_consigne": "un_peu"}
    assert _answer("pas toujours", 0, {})[1]["quiz_answers"] == {"fr_consigne": "un_peu"}
    assert _answer("la 1", 1, {})[1]["quiz_answers"] == {"fr_ordre": "a"}
    assert _answer("je sais pas", 1, {})[1]["quiz_answers"] == {"fr_ordre": "ne_sais_pas"}
    assert _answer("cinq", position("calc_pourcentage"), {})[1]["quiz_answers"] == {
        "calc_pourcentage": "b"
    }


def test_a_sentence_with_une_or_jamais_is_asked_again():
    for text, item_id in [
        ("une ambulance", "secu_secours"),
        ("je ne suis jamais en retard", "fr_message"),
    ]:
        messages, slots = _answer(text, position(item_id), {})
        assert messages[0]["response"] == "utter_quiz_not_understood_intro"
        assert "quiz_answers" not in slots


def test_unclear_answer_asks_again():
    messages, slots = _answer("peut-être demain", 0, {})
    assert [m["response"] for m in messages] == ["utter_quiz_not_understood_intro"]
    assert slots == {"quiz_reply": None}  # the form asks the same question again


def test_a_number_is_an_answer_to_read_not_a_place():
    messages, slots = _answer("12", 0, {}, intent="give_location")
    assert responses(messages) == ["utter_quiz_not_understood_intro"]
    assert slots == {"quiz_reply": None}


def test_yes_answers_the_question_and_a_question_is_left_to_its_reply():
    _, slots = _answer("ouais", 0, {}, intent="affirm")
    assert slots == {"quiz_answers": {"fr_consigne": "oui"}, "quiz_position": 1, "quiz_reply": None}
    _, events = answer(
        ValidateQuizForm(),
        "c'est quoi cléa numérique ?",
        "ask_clea_numerique",
        slots={"quiz_position": 0, "quiz_answers": {}},
    )
    assert is_left_for_its_usual_reply(events)


def test_a_request_that_opens_the_quiz_form_again_is_no_answer():
    resumed = [
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "on reprend"},
        {"event": "action", "name": "action_quiz_resume"},
        {"event": "action", "name": "quiz_form"},
    ]
    messages, events = call(
        ValidateQuizForm(),
        "on reprend",
        "resume_quiz",
        events=resumed,
        slots={"quiz_position": 2},
        form="quiz_form",
        asked="quiz_reply",
    )
    assert messages == [] and events == []


def test_a_button_of_an_earlier_question_asks_the_current_one_again():
    clicked = [
        {"entity": "quiz_item", "value": "fr_consigne"},
        {"entity": "quiz_choice", "value": "oui"},
    ]
    messages, slots = _answer(
        '/quiz_answer{"quiz_item":"fr_consigne","quiz_choice":"oui"}', 1, {}, entities=clicked
    )
    assert messages == [] and slots == {"quiz_reply": None}


def test_last_answer_gives_the_result_for_the_7_domains():
    answers = {item.id: "pas_encore" for item in QUIZ.items[:-1] if item.kind == "self"}
    answers.update({item.id: "ne_sais_pas" for item in QUIZ.items[:-1] if item.kind == "exercise"})
    messages, slots = _answer("je sais pas", len(QUIZ.items) - 1, answers)
    last = QUIZ.items[-1]
    assert [m["text"] for m in messages] == [f"La bonne réponse était : {QUIZ.answer_title(last)}."]
    assert slots["quiz_reply"] == "ne_sais_pas"  # the quiz form ends
    messages, events = call(ActionQuizResult(), "je sais pas", "quiz_answer", slots=slots)
    slots = slots_of(events)
    bars, meanings, part1, part2 = messages
    drawn = bars["custom"]["clea_display"]
    assert drawn["kind"] == "quiz_result" and len(drawn["domains"]) == 7
    assert drawn["domains"][0] == {
        "id": 1,
        "name": "1. Le français",
        "level": "a_travailler",
        "label": "à apprendre",
        "score": 0.0,
    }
    assert meanings["text"].splitlines() == [
        "Ce que veulent dire les niveaux :",
        "À l'aise : Vous savez déjà bien le faire.",
        "À renforcer : Vous savez un peu. Une courte formation vous aidera.",
        "À apprendre : C'est nouveau pour vous. Une formation vous l'apprendra.",
    ]
    assert [part1["response"], part2["response"]] == [
        "utter_quiz_result_part1",
        "utter_quiz_result_part2",
    ]
    assert {part1[f"level_{d}"] for d in range(1, 8)} == {"à apprendre"}
    assert "surtout pour" in part2["summary"]
    assert set(slots["quiz_levels"]) == {str(d) for d in range(1, 8)}
    assert slots["quiz_position"] == len(QUIZ.items) and slots["quiz_reply"] is None


def test_a_domain_answered_only_by_dont_know_gets_no_level():
    answers = {item.id: "oui" if item.kind == "self" else item.answer for item in QUIZ.items}
    answers.update({item.id: "ne_sais_pas" for item in QUIZ.items if item.domain == 6})
    dispatcher = CollectingDispatcher()
    slots = {e["name"]: e["value"] for e in give_result(dispatcher, QUIZ, answers)}
    assert dispatcher.messages[3]["level_6"] == "pas assez de réponses"
    assert dispatcher.messages[3]["level_7"] == "à l'aise"
    sixth = dispatcher.messages[0]["custom"]["clea_display"]["domains"][5]
    assert (sixth["level"], sixth["score"]) == (None, None)
    assert set(slots["quiz_levels"]) == {"1", "2", "3", "4", "5", "7"}


def summary_when_weak(weak: tuple[int, ...]) -> str:
    answers = {
        item.id: ("pas_encore" if item.kind == "self" else "ne_sais_pas")
        if item.domain in weak
        else ("oui" if item.kind == "self" else item.answer)
        for item in QUIZ.items
    }
    dispatcher = CollectingDispatcher()
    give_result(dispatcher, QUIZ, answers)
    return dispatcher.messages[-1]["summary"]


def test_the_summary_names_at_most_three_domains_and_keeps_the_writing_rules():
    for count in range(len(DOMAINS) + 1):
        for weak in combinations([domain.id for domain in DOMAINS], count):
            summary = summary_when_weak(weak)
            named = [d.id for d in DOMAINS if d.short.lower() in summary]
            assert len(named) == min(count, 3) and set(named) <= set(weak)
            assert all(word_count(s) <= MAX_WORDS_PER_SENTENCE for s in sentences(summary))
            assert not TUTOIEMENT.search(summary)
            assert ("C'est normal : CléA est fait pour ça." in summary) == bool(weak)


def test_each_exercise_is_followed_by_its_right_answer_self_assessments_are_not():
    exercise = position("calc_horaire")
    messages, _ = _answer("b", exercise, {})
    assert [m["text"] for m in messages] == ["Bonne réponse : B. 4 h 30."]
    messages, _ = _answer("a", exercise, {})
    assert [m["text"] for m in messages] == ["La bonne réponse était : B. 4 h 30."]
    messages, _ = _answer("oui", 0, {})
    assert messages == []


def test_no_answer_is_read_without_a_quiz():
    _, events = answer(ValidateQuizForm(), "oui", "affirm", slots={"quiz_position": None})
    assert is_left_for_its_usual_reply(events)
