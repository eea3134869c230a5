"""The consent question that opens a pre-dossier, shared by the routing and dossier actions."""

import uuid
from typing import Any

from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

PENDING_CONSENT = "consent"


def ask_consent(dispatcher: CollectingDispatcher) -> list[dict[str, Any]]:
    """Say what is collected and why, and ask for consent; a new request starts here."""
    dispatcher.utter_message(response="utter_dossier_consent_part1")
    dispatcher.utter_message(response="utter_dossier_consent_part2")
    return [
        SlotSet("dossier_wanted", False),
        SlotSet("dossier_request_id", uuid.uuid4().hex),
        SlotSet("pending_question", PENDING_CONSENT),
    ]
