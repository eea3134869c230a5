"""What happens to the person's data, and their rights."""

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher


class ActionPersonalData(Action):
    """The personal-data notice (asked during the consent question, the consent form
    answers it and asks again: actions/dossier_steps.py)."""

    def name(self) -> str:
        return "action_personal_data"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):
        dispatcher.utter_message(response="utter_personal_data_part1")
        dispatcher.utter_message(response="utter_personal_data_part2")
        return []
