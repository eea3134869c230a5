from form_calls import answer, call, is_left_for_its_usual_reply, responses, slots_of
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.routing import (
    ActionAskPlaceAnswer,
    ActionContact,
    ActionLocationDone,
    ActionMediaMessage,
    ValidateLocationForm,
    antenne_fields,
)
from referentiel import load_referentiel

LOCATION = ValidateLocationForm()


def tracker(
    text: str,
    entities: list[dict] | None = None,
    slots: dict | None = None,
    events: list[dict] | None = None,
) -> Tracker:
    latest = {"text": text, "intent": {"name": "give_location"}, "entities": entities or []}
    return Tracker("test-user", slots or {}, latest, events or [], False, None, {}, "action_listen")


def run(action, text: str, **kwargs) -> tuple[list[dict], dict]:
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, tracker(text, **kwargs), {})
    return dispatcher.messages, {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def locate(text: str, **kwargs) -> tuple[list[dict], dict]:
    """The reply to the commune question, and the slots it sets."""
    messages, events = answer(LOCATION, text, **kwargs)
    return messages, slots_of(events)


def test_lens_is_routed_to_arras_with_its_contact():
    messages, slots = locate("j'habite à Lens")
    assert messages[0]["response"] == "utter_antenne_found"
    assert messages[0]["place"] == "Pour Lens (62300)"
    assert messages[0]["antenne_of_name"] == "d'Arras"
    assert messages[0]["antenne_email"] == "contactarras@transitionspro-hdf.fr"
    assert slots == {
        "place_answer": "arras",
        "antenne": "arras",
        "commune": "Lens",
        "postal_code": "62300",
    }


def test_postal_code_of_one_antenne():
    messages, slots = locate("80000")
    assert messages[0]["antenne_of_name"] == "d'Amiens"
    assert slots["postal_code"] == "80000"


def test_ambiguous_postal_code_asks_which_commune_with_buttons():
    messages, slots = locate("62120")
    assert messages[0]["response"] == "utter_postal_code_choices"
    titles = [b["title"] for b in messages[0]["buttons"]]
    assert any(title.startswith("Aire-sur-la-Lys (Pas-de-Calais, 62120") for title in titles)
    assert all(
        b["payload"].startswith('/give_location{"commune_id":"') for b in messages[0]["buttons"]
    )
    assert slots == {"place_answer": None}


def test_commune_chosen_with_a_button():
    messages, slots = locate(
        '/give_location{"commune_id":"62014"}',
        entities=[{"entity": "commune_id", "value": "62014"}],
    )
    assert messages[0]["response"] == "utter_antenne_found"
    assert slots["antenne"] == "saint-omer" and slots["commune"] == "Aire-sur-la-Lys"


def test_a_payload_with_a_bad_entity_asks_the_commune_politely():
    for entities in (
        [{"entity": "commune_id", "value": {"a": 1}}],
        [{"entity": "commune_id", "value": ["59350"]}],
        [],
    ):
        messages, slots = locate("/give_location", entities=entities)
        assert messages[0]["response"] == "utter_ask_location"
        assert slots == {"place_answer": None}


def test_duplicate_name_asks_which_one():
    messages, slots = locate("Fleury")
    assert messages[0]["response"] == "utter_homonym_choices"
    assert messages[0]["name"] == "Fleury"
    assert len(messages[0]["buttons"]) == 4
    assert slots == {"place_answer": None}


def test_outside_the_region():
    messages, slots = locate("75011")
    assert messages[0]["response"] == "utter_outside_region_named"
    assert (messages[0]["place"], messages[0]["region"]) == (
        "Le code postal 75011",
        "Île-de-France",
    )
    assert slots == {"place_answer": "OUTSIDE_REGION"}
    messages, _ = locate("je suis de charleville mezieres")
    assert (messages[0]["place"], messages[0]["region"]) == ("Charleville-Mézières", "Grand Est")


def test_a_clear_typo_is_read_and_a_less_clear_one_is_a_suggestion():
    messages, _ = locate("maubeug")
    assert messages[0]["response"] == "utter_antenne_found"
    assert messages[0]["place"].startswith("Pour Maubeuge")
    messages, _ = locate("lieven")
    assert messages[0]["response"] == "utter_typo_choices"
    assert messages[0]["buttons"][0]["title"].startswith("Liévin")


def test_unknown_name_and_malformed_code():
    messages, _ = locate("j'habite à Dunkerk-plaje")
    assert [m["response"] for m in messages] == ["utter_commune_not_found", "utter_closest_choices"]
    messages, _ = locate("5900")
    assert messages[0]["response"] == "utter_malformed_location"


def test_split_departement_asks_for_the_commune():
    messages, _ = locate("je suis dans le Nord")
    assert messages[0]["response"] == "utter_ask_commune_in_departement"
    assert messages[0]["departement"] == "Le Nord"


def test_the_commune_question_is_asked_once():
    messages, _ = call(ActionAskPlaceAnswer(), "c'est quelle antenne pour moi", "find_antenne")
    assert responses(messages) == ["utter_ask_location"]
    choices = [
        {"event": "action", "name": "location_form"},
        {"event": "bot", "text": "Plusieurs communes s'appellent Fleury."},
    ]
    messages, _ = call(ActionAskPlaceAnswer(), "Fleury", events=choices)
    assert messages == []


def test_a_place_in_the_message_that_asks_is_answered_at_once():
    messages, events = call(
        LOCATION,
        "antenne pour lens",
        "find_antenne",
        entities=[{"entity": "place", "value": "lens"}],
    )
    assert responses(messages) == ["utter_antenne_found"]
    assert slots_of(events)["antenne"] == "arras"
    messages, events = call(LOCATION, "c'est quelle antenne pour moi", "find_antenne")
    assert messages == [] and events == []


def test_any_reply_is_tried_as_a_place_and_a_question_is_left_to_its_reply():
    assert responses(locate("abcde", intent="nonsense")[0]) == ["utter_commune_not_found"]
    assert responses(locate("paris", intent="out_of_scope")[0]) == ["utter_outside_region_named"]
    assert responses(locate("Lens", intent="greet")[0]) == ["utter_antenne_found"]
    assert locate("c champs", intent="ask_what_is_clea")[1]["commune"] == "Champs"
    _, events = answer(LOCATION, "c'est payant ?", "ask_financing")
    assert is_left_for_its_usual_reply(events)
    _, events = answer(
        LOCATION,
        "c'est payant a lens ?",
        "ask_financing",
        entities=[{"entity": "place", "value": "lens"}],
    )
    assert is_left_for_its_usual_reply(events)


def test_yes_to_a_single_suggested_commune_chooses_it():
    suggestion = {
        "event": "bot",
        "text": "Vouliez-vous dire une de ces communes ?",
        "data": {
            "buttons": [
                {
                    "title": "Béthune (Pas-de-Calais, 62400)",
                    "payload": '/give_location{"commune_id":"62119"}',
                }
            ]
        },
    }
    messages, events = answer(LOCATION, "oui", "affirm", events=[suggestion])
    assert slots_of(events)["commune"] == "Béthune"
    assert responses(messages) == ["utter_antenne_found"]


def test_contact_gives_the_routed_antenne():
    messages, _ = run(ActionContact(), "je veux parler a quelqu'un", slots={"antenne": "lille"})
    assert messages[0]["response"] == "utter_contact_antenne"
    assert messages[0]["antenne_contact"] == "Alain BOTTE"
    messages, _ = run(ActionContact(), "je veux parler a quelqu'un")
    assert messages[0]["response"] == "utter_contact"


def test_names_that_differ_only_by_accents_under_one_antenne():
    messages, slots = locate("j'habite à Abbécourt")
    assert messages[0]["place"] == "Pour Abbécourt"
    assert slots["antenne"] == "amiens"


def test_short_form_of_several_names_under_one_antenne():
    messages, _ = locate("marcq")
    assert messages[0]["place"] == "Pour votre commune"
    assert messages[0]["antenne_of_name"] == "de Lille"


def test_place_given_after_asking_to_be_called_back_goes_on_to_consent():
    slots = {"dossier_wanted": True, "place_answer": "lille", "antenne": "lille"}
    messages, events = call(ActionLocationDone(), "Roubaix", slots=slots)
    assert messages == []
    assert slots_of(events)["dossier_wanted"] is False and slots_of(events)["place_answer"] is None
    assert {"event": "followup", "name": "consent_form"} in [
        {k: e.get(k) for k in ("event", "name")} for e in events
    ]


def test_outside_the_region_no_pre_dossier_is_offered():
    slots = {"dossier_wanted": True, "place_answer": "OUTSIDE_REGION"}
    messages, events = call(ActionLocationDone(), "75011", slots=slots)
    assert messages == [] and slots_of(events) == {"place_answer": None, "dossier_wanted": False}


def test_media_message_gives_the_antenne_contact_once_known():
    messages, slots = run(ActionMediaMessage(), "/media_message", slots={"antenne": "amiens"})
    assert messages[0]["response"] == "utter_media_message_antenne"
    assert messages[0]["antenne_of_name"] == "d'Amiens"
    assert messages[0]["antenne_email"] == "contactamiens@transitionspro-hdf.fr"
    assert slots == {}


def test_media_message_gives_the_head_office_without_antenne():
    messages, _ = run(ActionMediaMessage(), "/media_message")
    assert [m["response"] for m in messages] == ["utter_media_message"]


def test_an_antenne_s_phone_and_hours_show_only_when_a_deployer_set_them():
    lille = load_referentiel().antenne("lille")
    assert antenne_fields(lille)["antenne_reach"] == ""  # none invented
    staffed = lille.copy(
        update={"phone": "03 20 00 00 00", "hours": "du lundi au vendredi, 9 h – 17 h"}
    )
    assert antenne_fields(staffed)["antenne_reach"] == (
        "\nTéléphone de l'antenne : 03 20 00 00 00"
        "\nHoraires de l'antenne : du lundi au vendredi, 9 h – 17 h"
    )
