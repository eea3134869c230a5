"""Steps of the pre-dossier shared by the routing and dossier actions: consent and summary."""

import uuid
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from referentiel import load_referentiel

PENDING_CONSENT = "consent"
PENDING_SUMMARY = "summary"
FIELDS = ("dossier_first_name", "dossier_last_name", "dossier_contact", "situation",
          "dossier_contact_time")


def ask_consent(dispatcher: CollectingDispatcher) -> list[dict[str, Any]]:
    """Say what is collected and why, and ask for consent; a new request starts here."""
    dispatcher.utter_message(response="utter_dossier_consent_part1")
    dispatcher.utter_message(response="utter_dossier_consent_part2")
    return [
        SlotSet("dossier_wanted", False),
        SlotSet("dossier_request_id", uuid.uuid4().hex),
        SlotSet("dossier_sent", None),
        SlotSet("dossier_discarded", None),
        SlotSet("pending_question", PENDING_CONSENT),
    ]


def form_filled(tracker: Tracker) -> bool:
    return all(tracker.get_slot(field) is not None for field in FIELDS)


def show_summary(dispatcher: CollectingDispatcher, tracker: Tracker,
                 **changed: Any) -> list[dict[str, Any]]:
    """What will be sent, with buttons to confirm or correct; `changed` overrides slots."""
    ref = load_referentiel()

    def slot(name: str) -> Any:
        return changed[name] if name in changed else tracker.get_slot(name)

    situations = {s.id: s.label for s in ref.situations}
    antennes = {a.id: a for a in ref.antennes}
    antenne = antennes.get(slot("antenne") or "")
    place = " ".join(filter(None, [slot("commune"), slot("postal_code")]))
    dispatcher.utter_message(
        response="utter_dossier_summary",
        first_name=slot("dossier_first_name"),
        last_name=slot("dossier_last_name"),
        contact=slot("dossier_contact"),
        place=place or "non précisée",
        situation=situations.get(slot("situation"), "non précisée"),
        contact_time=slot("dossier_contact_time"),
        antenne_of_name=antenne.of_name if antenne else "",
    )
    return [SlotSet("pending_question", PENDING_SUMMARY)]

