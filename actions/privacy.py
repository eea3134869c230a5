"""What happens to the person's data, and their rights; then back to the consent question."""

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import pending_question
from actions.dossier_steps import PENDING_CONSENT


class ActionPersonalData(Action):
    """The personal-data notice; asked during the consent, the consent question again."""

    def name(self) -> str:
        return "action_personal_data"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):
        dispatcher.utter_message(response="utter_personal_data_part1")
        dispatcher.utter_message(response="utter_personal_data_part2")
        if pending_question(tracker) == PENDING_CONSENT:
            dispatcher.utter_message(response="utter_dossier_consent_again")
            return [SlotSet("pending_question", PENDING_CONSENT)]
        return []
