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
    [("je suis salariée en CDI", "salarie"), ("jsuis au chomage", "demandeur_emploi"),
     ("inscrit a france travail", "demandeur_emploi"), ("je suis intérimaire", "autre"),
     ("salarié en interim", "autre"), ("auto entrepreneur", "autre")],
)
def test_situation_typed_is_remembered_and_explained(text: str, situation: str):
    responses, events = run(text)
    assert responses == [f"utter_financing_{situation}"]
    assert events == [{"event": "slot", "timestamp": None, "name": "situation", "value": situation}]


def test_situation_from_a_button():
    responses, _ = run('/give_situation{"situation":"autre"}',
                       [{"entity": "situation", "value": "autre"}])
    assert responses == ["utter_financing_autre"]


def test_remembered_situation_is_used():
    assert run("qui paye ?", situation="salarie")[0] == ["utter_financing_cost", "utter_financing_salarie"]


@pytest.mark.parametrize(
    ("text", "response"),
    [("je peux utiliser mon CPF ?", "utter_financing_cpf"),
     ("mon employeur doit-il être d'accord ?", "utter_financing_employer"),
     ("faut il demander a mon patron", "utter_financing_employer")],
)
def test_direct_questions(text: str, response: str):
    assert run(text)[0] == [response]


def test_cost_question_then_the_situation_question():
    assert run("est-ce gratuit ?")[0] == ["utter_financing_cost", "utter_ask_situation"]
    assert run("combien ça coûte ?")[0] == ["utter_financing_cost", "utter_ask_situation"]
