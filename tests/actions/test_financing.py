import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.financing import ActionExplainFinancing


def run(text: str, entities: list[dict] | None = None, situation: str | None = None):
    latest = {"text": text, "intent": {"name": "ask_financing"}, "entities": entities or []}
    tracker = Tracker("u", {"situation": situation}, latest, [], False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    events = ActionExplainFinancing().run(dispatcher, tracker, {})
    return [m["response"] for m in dispatcher.messages], events


def test_unknown_situation_is_asked_with_buttons():
    assert run("c'est quoi le financement") == (["utter_ask_situation"], [])


@pytest.mark.parametrize(
    ("text", "situation"),
    [
        ("je suis salariée en CDI", "salarie"),
        ("jsuis au chomage", "demandeur_emploi"),
        ("inscrit a france travail", "demandeur_emploi"),
        ("je suis intérimaire", "salarie"),
        ("salarié en interim", "salarie"),
        ("je suis apprenti", "salarie"),
        ("en alternance dans un garage", "salarie"),
        ("auto entrepreneur", "autre"),
    ],
)
def test_situation_typed_is_remembered_and_explained(text: str, situation: str):
    responses, events = run(text)
    assert responses == [f"utter_financing_{situation}"]
    assert events == [{"event": "slot", "timestamp": None, "name": "situation", "value": situation}]


def test_situation_from_a_button():
    responses, _ = run(
        '/give_situation{"situation":"autre"}', [{"entity": "situation", "value": "autre"}]
    )
    assert responses == ["utter_financing_autre"]


def test_remembered_situation_is_used():
    assert run("qui paye ?", situation="salarie")[0] == [
        "utter_financing_cost",
        "utter_financing_salarie",
    ]


@pytest.mark.parametrize(
    ("text", "response"),
    [
        ("je peux utiliser mon CPF ?", "utter_financing_cpf"),
        ("mon employeur doit-il être d'accord ?", "utter_financing_employer"),
        ("faut il demander a mon patron", "utter_financing_employer"),
    ],
)
def test_direct_questions(text: str, response: str):
    assert run(text)[0] == [response]


def test_cost_question_then_the_situation_question():
    assert run("est-ce gratuit ?")[0] == ["utter_financing_cost", "utter_ask_situation"]
    assert run("combien ça coûte ?")[0] == ["utter_financing_cost", "utter_ask_situation"]


@pytest.mark.parametrize(
    "text",
    [
        "je suis au chômage, je dois demander à qui pour le financement ?",
        "je suis demandeur d'emploi, il faut l'accord de qui ?",
    ],
)
def test_a_job_seeker_is_never_sent_to_the_employer_answer(text: str):
    assert run(text)[0] == ["utter_financing_demandeur_emploi"]


def test_a_known_job_seeker_asking_who_agrees_gets_their_financing():
    assert run("il faut une autorisation ?", situation="demandeur_emploi")[0] == [
        "utter_financing_demandeur_emploi"
    ]


def test_an_empty_cpf_gets_the_cpf_answer_that_says_a_share_may_remain():
    assert run("mon compte CPF est vide")[0] == ["utter_financing_cpf"]
