"""Messages NLU did not read as a question: an answer to the place question, or the menu."""

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.routing import LOCATION_QUESTIONS, ActionLocate


def asked_for_location(tracker: Tracker) -> bool:
    """True when the assistant's last turn asked for a commune or postal code."""
    if not tracker.get_slot("awaiting_location"):
        return False
    user_turn_seen = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            user_turn_seen = True
        elif user_turn_seen and event.get("event") == "action":
            if event.get("name") == "action_listen":
                continue
            return event.get("name") in LOCATION_QUESTIONS
    return False


class ActionFallback(Action):
    """Gibberish, low confidence or out of scope: a place answer if one was asked, else the menu."""

    def name(self) -> str:
        return "action_fallback"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if asked_for_location(tracker):
            return ActionLocate().run(dispatcher, tracker, domain)
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        dispatcher.utter_message(
            response="utter_out_of_scope" if intent == "out_of_scope" else "utter_default"
        )
        return [SlotSet("awaiting_location", False)]
