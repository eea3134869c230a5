"""Financing for the person's situation."""

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.entities import latest_entity
from referentiel import load_referentiel
from referentiel.financing import detect_situation, financing_question, named_scheme

JOB_SEEKER = "demandeur_emploi"


class ActionExplainFinancing(Action):
    """Answer a direct financing question, or the options for the person's situation."""

    def name(self) -> str:
        return "action_explain_financing"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        ref = load_referentiel()
        text = tracker.latest_message.get("text") or ""
        known = {situation.id for situation in ref.situations}
        stated = latest_entity(tracker, "situation")
        if stated not in known:
            stated = detect_situation(text, ref)
        situation = stated or tracker.get_slot("situation")
        events = [SlotSet("situation", stated)] if stated else []

        question = financing_question(text, ref)
        if question == "employer" and situation == JOB_SEEKER:  # no employer to ask
            question = None
        if question in ("cpf", "employer"):
            dispatcher.utter_message(response=f"utter_financing_{question}")
            return events
        if question == "cost":
            dispatcher.utter_message(response="utter_financing_cost")
        if situation in known:
            dispatcher.utter_message(response=f"utter_financing_{situation}")
        else:
            dispatcher.utter_message(response="utter_ask_situation")
        return events


class ActionDefineScheme(Action):
    """What a financing scheme is ("c'est quoi Pro-A ?"), or which ones can be explained."""

    def name(self) -> str:
        return "action_define_scheme"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        scheme = named_scheme(tracker.latest_message.get("text") or "", load_referentiel())
        dispatcher.utter_message(
            response=f"utter_definition_{scheme.id}" if scheme else "utter_ask_which_scheme"
        )
        return []
