"""End to end over HTTP: the whole quiz by its buttons, typed answers and interruptions."""

import json
import re

from helpers import say, texts

from harness.servers import Servers, new_sender
from referentiel.quiz import load_quiz

QUIZ = load_quiz()
PAYLOAD = re.compile(r"^/quiz_answer(\{.*\})$")


def choice_of(button: dict) -> tuple[str, str]:
    entities = json.loads(PAYLOAD.match(button["payload"]).group(1))
    return entities["quiz_item"], entities["quiz_choice"]


def pick(buttons: list[dict], confident: bool) -> dict:
    """The most confident answer (yes, or the right one) or the least (not yet, don't know)."""
    item_id, _ = choice_of(buttons[0])
    item = QUIZ.item(item_id)
    wanted = (
        ("oui" if item.kind == "self" else item.answer)
        if confident
        else ("pas_encore" if item.kind == "self" else "ne_sais_pas")
    )
    return next(b for b in buttons if choice_of(b)[1] == wanted)


def complete_quiz(servers: Servers, confident: bool) -> tuple[str, int]:
    sender = new_sender()
    messages = say(servers, "je veux tester mon niveau", sender)
    assert f"{len(QUIZ.items)} questions courtes" in texts(messages)
    assert "pas l'évaluation officielle" in texts(messages)
    questions = 0
    while messages[-1].get("buttons") and messages[-1]["buttons"][0]["payload"].startswith(
        "/quiz_answer"
    ):
        questions += 1
        messages = say(servers, pick(messages[-1]["buttons"], confident)["payload"], sender)
    return texts(messages), questions


def levels(result: str) -> dict[str, str]:
    return dict(re.findall(r"^(\d)\. [^:\n]+ : (.+)$", result, re.MULTILINE))


def test_the_whole_quiz_on_buttons_most_and_least_confident(servers: Servers):
    best, best_count = complete_quiz(servers, confident=True)
    worst, worst_count = complete_quiz(servers, confident=False)
    assert best_count == worst_count == len(QUIZ.items) <= 21
    assert levels(best) == {str(d): "à l'aise" for d in range(1, 8)}
    assert levels(worst) == {str(d): "à apprendre" for d in range(1, 8)}
    assert "organisme habilité" in best and "indicatif" in worst
    assert "surtout pour" in worst and "surtout pour" not in best
    assert "C'est normal : CléA est fait pour ça." in worst


def test_typed_answers_pause_a_question_in_the_middle_and_resume(servers: Servers):
    sender = new_sender()
    assert "Question 1 sur" in texts(say(servers, "faire le quiz", sender))
    assert "Question 2 sur" in texts(say(servers, "ouais", sender))
    number = texts(say(servers, "12", sender))  # an answer to read, not the Aveyron
    assert "pas compris votre réponse" in number and "Question 2 sur" in number
    assert "Question 3 sur" in texts(say(servers, "la 1", sender))
    assert "pas compris votre réponse" in texts(say(servers, "qsdfgh", sender))
    assert "en pause" in texts(say(servers, "stop", sender))
    assert "CléA numérique est un autre certificat" in texts(
        say(servers, "c'est quoi cléa numérique ?", sender)
    )
    assert "Question 3 sur" in texts(say(servers, "on reprend", sender))
    assert "Question 4 sur" in texts(say(servers, "pas toujours", sender))


def test_restart_from_the_start(servers: Servers):
    sender = new_sender()
    say(servers, "je veux tester mon niveau", sender)
    say(servers, "oui", sender)
    assert "déjà commencé" in texts(say(servers, "je veux tester mon niveau", sender))
    assert "Question 1 sur" in texts(say(servers, "/restart_quiz", sender))


def test_the_quiz_survives_a_rasa_server_restart(servers: Servers):
    sender = new_sender()
    say(servers, "je veux tester mon niveau", sender)
    assert "Question 2 sur" in texts(say(servers, "oui", sender))
    servers.restart_rasa()
    assert "Question 3 sur" in texts(say(servers, "la 1", sender))
