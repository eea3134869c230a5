import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from form_calls import answer, call, is_left_for_its_usual_reply, responses, slots_of
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.dossier as dossier
from actions.dossier_steps import (
    ActionAskConsentAnswer,
    ActionAskSummaryAnswer,
    ValidateConsentForm,
    ValidateSummaryForm,
)
from actions.routing import ActionLocationDone, ValidateLocationForm
from dossiers.db import make_engine
from dossiers.repository import Repository

FILLED = {
    "antenne": "lille",
    "commune": "Roubaix",
    "postal_code": "59100",
    "dossier_first_name": "Léa",
    "dossier_last_name": "Martin",
    "dossier_contact": "06 12 34 56 78",
    "situation": "salarie",
    "dossier_contact_time": "Le matin",
    "dossier_request_id": "req-1",
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


def followups(events: list[dict]) -> list[str]:
    return [e["name"] for e in events if e["event"] == "followup"]


def test_offer_asks_the_commune_first_when_unknown():
    messages, events = run(dossier.ActionDossierOffer(), {})
    assert responses(messages) == ["utter_dossier_need_place_intro"]
    assert slots_of(events)["dossier_wanted"] is True
    assert followups(events) == ["location_form"]


def test_offer_asks_consent_with_a_new_request():
    messages, events = run(dossier.ActionDossierOffer(), {"antenne": "lille"})
    assert messages == [] and followups(events) == ["consent_form"]
    assert len(slots_of(events)["dossier_request_id"]) == 32
    messages, _ = call(ActionAskConsentAnswer(), "je veux m'inscrire", "want_register")
    assert responses(messages) == ["utter_dossier_consent_part1", "utter_dossier_consent_part2"]


def test_consent_is_yes_or_no_and_a_question_on_the_data_is_answered_within_it():
    consent = ValidateConsentForm()
    assert slots_of(answer(consent, "oui", "affirm")[1]) == {"consent_answer": True}
    assert slots_of(answer(consent, "non merci", "deny")[1]) == {"consent_answer": False}
    messages, events = answer(consent, "vous faites quoi de mes donnees", "ask_personal_data")
    assert responses(messages) == [
        "utter_personal_data_part1",
        "utter_personal_data_part2",
        "utter_dossier_consent_again",
    ]
    assert slots_of(events) == {"consent_answer": None}
    assert is_left_for_its_usual_reply(answer(consent, "c'est payant ?", "ask_financing")[1])


def test_consent_refused_stores_nothing_and_gives_the_contact(store: Repository):
    messages, _ = run(dossier.ActionDossierConsent(), {"antenne": "lille", "consent_answer": False})
    assert responses(messages) == ["utter_dossier_refused_intro", "utter_contact_antenne"]
    assert store.count() == 0


def test_consent_given_starts_the_form():
    _, events = run(dossier.ActionDossierConsent(), {"antenne": "lille", "consent_answer": True})
    assert followups(events) == ["dossier_form"]


@pytest.mark.parametrize(
    ("method", "value", "expected"),
    [
        ("validate_dossier_contact", "06 12 34 56 7", None),
        ("validate_dossier_contact", "lea@exemple", None),
        ("validate_dossier_contact", "+33 6 12 34 56 78", "06 12 34 56 78"),
        ("validate_dossier_contact", "Lea@Exemple.fr", "lea@exemple.fr"),
        ("validate_dossier_first_name", "<script>alert(1)</script>", None),
        ("validate_dossier_first_name", "c'est quoi le cpf", None),
        ("validate_dossier_last_name", "de la Fontaine", "De la Fontaine"),
    ],
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
    assert (stored["antenne_id"], stored["phone"], stored["email"]) == (
        "lille",
        "06 12 34 56 78",
        None,
    )
    assert stored["quiz_levels"] == {1: "a_l_aise"}
    assert store.count() == 1


def test_store_down_then_back(store: Repository, monkeypatch):
    down = Repository(make_engine("postgresql://postgres@127.0.0.1:1/test"))
    monkeypatch.setattr(dossier, "repository", lambda: down)
    messages, events = run(dossier.ActionDossierCreate(), FILLED)
    assert messages[0]["response"] == "utter_dossier_store_down"
    assert slots_of(events) == {"summary_answer": None, "requested_slot": "summary_answer"}
    assert {"event": "active_loop", "name": "summary_form"} in [
        {k: e.get(k) for k in ("event", "name")} for e in events
    ]
    monkeypatch.setattr(dossier, "repository", lambda: store)
    messages, _ = run(dossier.ActionDossierCreate(), FILLED)
    assert messages[0]["response"] == "utter_dossier_created"
    assert store.count() == 1


def test_correction_empties_the_field_and_reopens_the_form():
    _, events = run(
        dossier.ActionDossierCorrect(),
        FILLED,
        text="le téléphone est faux",
        intent="dossier_correct",
    )
    assert {"event": "slot", "timestamp": None, "name": "dossier_contact", "value": None} in events
    assert events[-1]["event"] == "followup" and events[-1]["name"] == "dossier_form"


def test_the_summary_is_sent_on_yes_and_no_asks_what_to_correct():
    summary = ValidateSummaryForm()
    assert slots_of(answer(summary, "oui", "affirm")[1]) == {"summary_answer": "send"}
    messages, events = answer(summary, "non", "deny")
    assert responses(messages) == ["utter_dossier_which_field"]
    assert slots_of(events) == {"summary_answer": None}
    messages, _ = call(
        ActionAskSummaryAnswer(),
        "non",
        "deny",
        slots=FILLED,
        events=[{"event": "action", "name": "summary_form"}, {"event": "bot"}],
    )
    assert messages == []  # "Que voulez-vous corriger ?" is the question
    messages, _ = call(ActionAskSummaryAnswer(), "", "affirm", slots=FILLED)
    assert responses(messages) == ["utter_dossier_summary"]


def test_delete_my_data(store: Repository):
    run(dossier.ActionDossierCreate(), FILLED)
    erasure = dossier.ValidateErasureForm()
    assert slots_of(answer(erasure, "oui", "affirm")[1]) == {"erasure_answer": True}
    messages, events = run(dossier.ActionDeleteMyData(), {**FILLED, "erasure_answer": True})
    assert messages[0]["response"] == "utter_data_deleted"
    assert {"event": "slot", "timestamp": None, "name": "data_erasure", "value": True} in events
    assert store.count() == 0


def test_no_to_the_erasure_keeps_everything(store: Repository):
    run(dossier.ActionDossierCreate(), FILLED)
    messages, events = run(dossier.ActionDeleteMyData(), {**FILLED, "erasure_answer": False})
    assert responses(messages) == ["utter_data_kept"] and store.count() == 1


def test_the_commune_corrected_from_the_summary_shows_the_summary_again():
    messages, events = run(
        dossier.ActionDossierCorrect(),
        FILLED,
        text="la commune est fausse",
        intent="dossier_correct",
    )
    assert messages == [] and followups(events) == ["location_form"]
    slots = {**FILLED, **slots_of(events)}
    messages, events = answer(ValidateLocationForm(), "Arras", slots=slots)
    assert responses(messages) == ["utter_antenne_found"]
    slots = {**slots, **slots_of(events)}
    _, events = call(ActionLocationDone(), "Arras", slots=slots)
    assert followups(events) == ["summary_form"]
    messages, _ = call(ActionAskSummaryAnswer(), "Arras", slots={**slots, **slots_of(events)})
    assert messages[0]["place"] == "Arras 62000" and messages[0]["antenne_of_name"] == "d'Arras"


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
    asking = Tracker(
        "sender-1",
        {"requested_slot": "dossier_last_name"},
        {"text": text, "intent": {"name": intent, "confidence": confidence}},
        [],
        False,
        None,
        {},
        "action_listen",
    )
    extracted = asyncio.run(
        dossier.ValidateDossierForm().extract_dossier_last_name(CollectingDispatcher(), asking, {})
    )
    assert extracted == taken


def test_an_older_button_is_no_contact_time():
    validate = dossier.ValidateDossierForm().validate_dossier_contact_time
    assert validate('/give_situation{"situation":"salarie"}', None, None, {}) == {
        "dossier_contact_time": None
    }
    assert validate("  le   matin ", None, None, {}) == {"dossier_contact_time": "le matin"}
