import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.dossier as dossier
from actions.context import ActionReplyInContext
from dossiers.db import make_engine
from dossiers.repository import Repository

FILLED = {
    "antenne": "lille", "commune": "Roubaix", "postal_code": "59100",
    "dossier_first_name": "Léa", "dossier_last_name": "Martin",
    "dossier_contact": "06 12 34 56 78", "situation": "salarie",
    "dossier_contact_time": "Le matin", "dossier_request_id": "req-1",
    "quiz_levels": {"1": "a_l_aise"},
}


@pytest.fixture
def store(repository: Repository, monkeypatch) -> Repository:
    """The actions' store, on SQLite and on PostgreSQL."""
    monkeypatch.setattr(dossier, "repository", lambda: repository)
    return repository


def tracker(slots: dict, text: str = "", intent: str = "affirm", previous: str = "action_listen"):
    events = [{"event": "action", "name": previous}, {"event": "user", "text": text}]
    latest = {"text": text, "intent": {"name": intent}, "entities": []}
    return Tracker("sender-1", slots, latest, events, False, None, {}, "action_listen")


def run(action, slots: dict, **kwargs):
    dispatcher = CollectingDispatcher()
    result = action.run(dispatcher, tracker(slots, **kwargs), {})
    events = asyncio.run(result) if asyncio.iscoroutine(result) else result
    return dispatcher.messages, events


def test_offer_asks_the_commune_first_when_unknown():
    messages, events = run(dossier.ActionDossierOffer(), {})
    assert [m["response"] for m in messages] == ["utter_dossier_need_place_intro", "utter_ask_location"]
    assert {"event": "slot", "timestamp": None, "name": "dossier_wanted", "value": True} in events


def test_offer_asks_consent_with_a_new_request():
    messages, events = run(dossier.ActionDossierOffer(), {"antenne": "lille"})
    assert [m["response"] for m in messages] == ["utter_dossier_consent_part1",
                                                 "utter_dossier_consent_part2"]
    slots = {e["name"]: e["value"] for e in events}
    assert slots["pending_question"] == "consent" and len(slots["dossier_request_id"]) == 32


def test_consent_refused_stores_nothing_and_gives_the_contact(store: Repository):
    messages, _ = run(ActionReplyInContext(), {"antenne": "lille", "pending_question": "consent"},
                      text="non", intent="deny", previous="action_dossier_offer")
    assert [m["response"] for m in messages] == ["utter_dossier_refused_intro", "utter_contact_antenne"]
    assert store.count() == 0


def test_consent_given_starts_the_form():
    _, events = run(ActionReplyInContext(), {"antenne": "lille", "pending_question": "consent"},
                    text="oui", intent="affirm", previous="action_dossier_offer")
    assert {"event": "followup", "timestamp": None, "name": "dossier_form"} in events


@pytest.mark.parametrize(
    ("method", "value", "expected"),
    [("validate_dossier_contact", "06 12 34 56 7", None),
     ("validate_dossier_contact", "lea@exemple", None),
     ("validate_dossier_contact", "+33 6 12 34 56 78", "06 12 34 56 78"),
     ("validate_dossier_contact", "Lea@Exemple.fr", "lea@exemple.fr"),
     ("validate_dossier_first_name", "<script>alert(1)</script>", None),
     ("validate_dossier_first_name", "c'est quoi le cpf", None),
     ("validate_dossier_last_name", "de la Fontaine", "De la Fontaine")],
)
def test_invalid_answers_are_asked_again(method: str, value: str, expected):
    dispatcher = CollectingDispatcher()
    slot = method.removeprefix("validate_")
    result = getattr(dossier.ValidateDossierForm(), method)(value, dispatcher, tracker({}), {})
    assert result == {slot: expected}
    assert bool(dispatcher.messages) == (expected is None)


def test_created_once_whatever_the_retries(store: Repository):
    first, _ = run(dossier.ActionDossierCreate(), FILLED)
    again, _ = run(dossier.ActionDossierCreate(), FILLED)
    assert first[0]["response"] == "utter_dossier_created"
    assert again[0]["response"] == "utter_dossier_already_created"
    assert first[0]["reference"] == again[0]["reference"]
    stored = store.get(first[0]["reference"])
    assert (stored["antenne_id"], stored["phone"], stored["email"]) == ("lille", "06 12 34 56 78", None)
    assert stored["quiz_levels"] == {1: "a_l_aise"}
    assert store.count() == 1


def test_store_down_then_back(store: Repository, monkeypatch):
    down = Repository(make_engine("postgresql://postgres@127.0.0.1:1/test"))
    monkeypatch.setattr(dossier, "repository", lambda: down)
    messages, events = run(dossier.ActionDossierCreate(), FILLED)
    assert messages[0]["response"] == "utter_dossier_store_down"
    assert {e["name"]: e["value"] for e in events} == {"pending_question": "summary"}
    monkeypatch.setattr(dossier, "repository", lambda: store)
    messages, _ = run(dossier.ActionDossierCreate(), FILLED)
    assert messages[0]["response"] == "utter_dossier_created"
    assert store.count() == 1


def test_correction_empties_the_field_and_reopens_the_form():
    _, events = run(dossier.ActionDossierCorrect(), FILLED, text="le téléphone est faux",
                    intent="dossier_correct")
    assert {"event": "slot", "timestamp": None, "name": "dossier_contact", "value": None} in events
    assert events[-1]["event"] == "followup" and events[-1]["name"] == "dossier_form"


def test_delete_my_data(store: Repository):
    run(dossier.ActionDossierCreate(), FILLED)
    messages, events = run(dossier.ActionDeleteMyData(), FILLED)
    assert messages[0]["response"] == "utter_data_deleted"
    assert {"event": "slot", "timestamp": None, "name": "data_erasure", "value": True} in events
    assert store.count() == 0


def test_the_commune_corrected_from_the_summary_shows_the_summary_again():
    from actions.routing import ActionLocate

    messages, events = run(dossier.ActionDossierCorrect(), FILLED, text="la commune est fausse",
                           intent="dossier_correct")
    assert messages[0]["response"] == "utter_ask_location"
    slots = {**FILLED, **{e["name"]: e["value"] for e in events}}
    messages, events = run(ActionLocate(), slots, text="Arras", intent="give_location")
    assert [m["response"] for m in messages] == ["utter_antenne_found", "utter_dossier_summary"]
    assert messages[1]["place"] == "Arras 62000" and messages[1]["antenne_of_name"] == "d'Arras"
    assert {e["name"]: e["value"] for e in events}["pending_question"] == "summary"


def test_concurrent_first_uses_share_one_migrated_store(tmp_path, monkeypatch):
    monkeypatch.setenv("CLEA_DATABASE_URL", f"sqlite:///{tmp_path / 'first-use.db'}")
    dossier._migrated_repository.cache_clear()
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            stores = list(pool.map(lambda _: dossier.repository(), range(8)))
        assert all(store is stores[0] for store in stores)
        assert stores[0].count() == 0
    finally:
        dossier._migrated_repository.cache_clear()


@pytest.mark.parametrize(
    ("text", "intent", "confidence", "taken"),
    [
        ("Durand", "ask_duration", 0.29, {"dossier_last_name": "Durand"}),  # unsure: a name
        ("c'est payant ?", "ask_financing", 0.99, {}),  # sure: a question, answered
        ("/ask_menu", "ask_menu", 1.0, {}),
    ],
)
def test_an_unsure_reading_of_a_reply_to_the_form_is_the_answer(text, intent, confidence, taken):
    asking = Tracker("sender-1", {"requested_slot": "dossier_last_name"},
                     {"text": text, "intent": {"name": intent, "confidence": confidence}},
                     [], False, None, {}, "action_listen")
    extracted = asyncio.run(dossier.ValidateDossierForm().extract_dossier_last_name(
        CollectingDispatcher(), asking, {}))
    assert extracted == taken


def test_an_older_button_is_no_contact_time():
    validate = dossier.ValidateDossierForm().validate_dossier_contact_time
    assert validate('/give_situation{"situation":"salarie"}', None, None, {}) == {
        "dossier_contact_time": None}
    assert validate("  le   matin ", None, None, {}) == {"dossier_contact_time": "le matin"}
