from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.routing import ActionContact, ActionFindAntenne, ActionLocate, ActionMediaMessage


def tracker(text: str, entities: list[dict] | None = None, slots: dict | None = None,
            events: list[dict] | None = None) -> Tracker:
    latest = {"text": text, "intent": {"name": "give_location"}, "entities": entities or []}
    return Tracker("test-user", slots or {}, latest, events or [], False, None, {}, "action_listen")


def run(action, text: str, **kwargs) -> tuple[list[dict], dict]:
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, tracker(text, **kwargs), {})
    return dispatcher.messages, {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def test_lens_is_routed_to_arras_with_its_contact():
    messages, slots = run(ActionLocate(), "j'habite à Lens")
    assert messages[0]["response"] == "utter_antenne_found"
    assert messages[0]["place"] == "Pour Lens (62300)"
    assert messages[0]["antenne_of_name"] == "d'Arras"
    assert messages[0]["antenne_email"] == "contactarras@transitionspro-hdf.fr"
    assert slots == {"pending_question": None, "antenne": "arras", "commune": "Lens",
                     "postal_code": "62300"}


def test_postal_code_of_one_antenne():
    messages, slots = run(ActionLocate(), "80000")
    assert messages[0]["antenne_of_name"] == "d'Amiens"
    assert slots["postal_code"] == "80000"


def test_ambiguous_postal_code_asks_which_commune_with_buttons():
    messages, slots = run(ActionLocate(), "62120")
    assert messages[0]["response"] == "utter_postal_code_choices"
    titles = [b["title"] for b in messages[0]["buttons"]]
    assert any(title.startswith("Aire-sur-la-Lys (Pas-de-Calais, 62120") for title in titles)
    assert all(b["payload"].startswith('/give_location{"commune_id":"') for b in messages[0]["buttons"])
    assert slots == {"pending_question": "location"}


def test_commune_chosen_with_a_button():
    messages, slots = run(ActionLocate(), '/give_location{"commune_id":"62014"}',
                          entities=[{"entity": "commune_id", "value": "62014"}])
    assert messages[0]["response"] == "utter_antenne_found"
    assert slots["antenne"] == "saint-omer" and slots["commune"] == "Aire-sur-la-Lys"


def test_a_payload_with_a_bad_entity_asks_the_commune_politely():
    for entities in ([{"entity": "commune_id", "value": {"a": 1}}], [{"entity": "commune_id",
                                                                    "value": ["59350"]}], []):
        messages, slots = run(ActionLocate(), "/give_location", entities=entities)
        assert messages[0]["response"] == "utter_ask_location"
        assert slots == {"pending_question": "location"}


def test_duplicate_name_asks_which_one():
    messages, slots = run(ActionLocate(), "Fleury")
    assert messages[0]["response"] == "utter_homonym_choices"
    assert messages[0]["name"] == "Fleury"
    assert len(messages[0]["buttons"]) == 4
    assert slots == {"pending_question": "location"}


def test_outside_the_region():
    messages, slots = run(ActionLocate(), "75011")
    assert messages[0]["response"] == "utter_outside_region_named"
    assert (messages[0]["place"], messages[0]["region"]) == ("Le code postal 75011", "Île-de-France")
    assert "antenne" not in slots and slots["pending_question"] is None
    messages, _ = run(ActionLocate(), "je suis de charleville mezieres")
    assert (messages[0]["place"], messages[0]["region"]) == ("Charleville-Mézières", "Grand Est")


def test_a_clear_typo_is_read_and_a_less_clear_one_is_a_suggestion():
    messages, _ = run(ActionLocate(), "maubeug")
    assert messages[0]["response"] == "utter_antenne_found"
    assert messages[0]["place"].startswith("Pour Maubeuge")
    messages, _ = run(ActionLocate(), "lieven")
    assert messages[0]["response"] == "utter_typo_choices"
    assert messages[0]["buttons"][0]["title"].startswith("Liévin")


def test_unknown_name_and_malformed_code():
    messages, _ = run(ActionLocate(), "j'habite à Dunkerk-plaje")
    assert [m["response"] for m in messages] == ["utter_commune_not_found", "utter_closest_choices"]
    messages, _ = run(ActionLocate(), "5900")
    assert messages[0]["response"] == "utter_malformed_location"


def test_split_departement_asks_for_the_commune():
    messages, _ = run(ActionLocate(), "je suis dans le Nord")
    assert messages[0]["response"] == "utter_ask_commune_in_departement"
    assert messages[0]["departement"] == "Le Nord"


def test_find_antenne_asks_for_the_place():
    messages, slots = run(ActionFindAntenne(), "c'est quelle antenne pour moi")
    assert messages[0]["response"] == "utter_ask_location"
    assert slots == {"pending_question": "location"}


def test_contact_gives_the_routed_antenne():
    messages, _ = run(ActionContact(), "je veux parler a quelqu'un", slots={"antenne": "lille"})
    assert messages[0]["response"] == "utter_contact_antenne"
    assert messages[0]["antenne_contact"] == "Alain BOTTE"
    messages, _ = run(ActionContact(), "je veux parler a quelqu'un")
    assert messages[0]["response"] == "utter_contact"


def test_names_that_differ_only_by_accents_under_one_antenne():
    messages, slots = run(ActionLocate(), "j'habite à Abbécourt")
    assert messages[0]["place"] == "Pour Abbécourt"
    assert slots["antenne"] == "amiens"


def test_short_form_of_several_names_under_one_antenne():
    messages, _ = run(ActionLocate(), "marcq")
    assert messages[0]["place"] == "Pour votre commune"
    assert messages[0]["antenne_of_name"] == "de Lille"


def test_place_given_after_asking_to_be_called_back_goes_on_to_consent():
    messages, slots = run(ActionLocate(), "Roubaix", slots={"dossier_wanted": True})
    assert [m["response"] for m in messages] == [
        "utter_antenne_found", "utter_dossier_consent_part1", "utter_dossier_consent_part2"
    ]
    assert slots["pending_question"] == "consent" and slots["antenne"] == "lille"


def test_outside_the_region_no_pre_dossier_is_offered():
    messages, slots = run(ActionLocate(), "75011", slots={"dossier_wanted": True})
    assert [m["response"] for m in messages] == ["utter_outside_region_named"]
    assert slots["dossier_wanted"] is False and slots["pending_question"] is None


def test_media_message_gives_the_antenne_contact_once_known():
    messages, slots = run(ActionMediaMessage(), "/media_message", slots={"antenne": "amiens"})
    assert messages[0]["response"] == "utter_media_message_antenne"
    assert messages[0]["antenne_of_name"] == "d'Amiens"
    assert messages[0]["antenne_email"] == "contactamiens@transitionspro-hdf.fr"
    assert slots == {}


def test_media_message_gives_the_head_office_without_antenne():
    messages, _ = run(ActionMediaMessage(), "/media_message")
    assert [m["response"] for m in messages] == ["utter_media_message"]
