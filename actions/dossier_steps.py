"""Steps of the pre-dossier shared by the routing and dossier actions: the consent and
summary questions (one-question forms)."""

import uuid
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.questions import (
    AskOnce,
    OneQuestionValidation,
    intent_of,
    open_question,
    yes_or_no,
)
from referentiel import load_referentiel

CONSENT_FORM = "consent_form"
SUMMARY_FORM = "summary_form"
FIELDS = (
    "dossier_first_name",
    "dossier_last_name",
    "dossier_contact",
    "situation",
    "dossier_contact_time",
)
SEND = "send"
CORRECT = "correct"
NOTICE = "notice"


def ask_consent() -> list[dict[str, Any]]:
    """A new request starts here: the consent form says what is collected and why, and asks."""
    return [
        SlotSet("dossier_wanted", False),
        SlotSet("dossier_request_id", uuid.uuid4().hex),
        SlotSet("dossier_sent", None),
        SlotSet("dossier_discarded", None),
        *open_question(CONSENT_FORM, "consent_answer"),
    ]


def summary_again() -> list[dict[str, Any]]:
    """The summary form shows what will be sent and asks to send or correct it."""
    return open_question(SUMMARY_FORM, "summary_answer")


def form_filled(tracker: Tracker) -> bool:
    return all(tracker.get_slot(field) is not None for field in FIELDS)


def show_summary(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """What will be sent, with buttons to send or correct."""
    ref = load_referentiel()
    slot = tracker.get_slot
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


class ValidateConsentForm(OneQuestionValidation):
    """ "oui" or "non" to the consent; "que faites-vous de mes données ?" is answered, and
    the question stays open."""

    slot = "consent_answer"

    def name(self) -> str:
        return "validate_consent_form"

    def read(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> Any:
        if intent_of(tracker) == "ask_personal_data":
            return NOTICE
        return yes_or_no(tracker)

    async def accept(
        self, answer: Any, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        if answer == NOTICE:
            dispatcher.utter_message(response="utter_personal_data_part1")
            dispatcher.utter_message(response="utter_personal_data_part2")
            dispatcher.utter_message(response="utter_dossier_consent_again")
            return {self.slot: None}
        return {self.slot: answer}


class ActionAskConsentAnswer(AskOnce):
    """What is collected and why, and "Êtes-vous d'accord ?"."""

    form = CONSENT_FORM
    slot = "consent_answer"

    def ask(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        dispatcher.utter_message(response="utter_dossier_consent_part1")
        dispatcher.utter_message(response="utter_dossier_consent_part2")


class ValidateSummaryForm(OneQuestionValidation):
    """ "oui" sends the request; "non" asks what to correct, and the question stays open."""

    slot = "summary_answer"

    def name(self) -> str:
        return "validate_summary_form"

    def read(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> str | None:
        answer = yes_or_no(tracker)
        return None if answer is None else SEND if answer else CORRECT

    async def accept(
        self, answer: str, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        if answer == CORRECT:
            dispatcher.utter_message(response="utter_dossier_which_field")
            return {self.slot: None}
        return {self.slot: answer}


class ActionAskSummaryAnswer(AskOnce):
    """The summary, with buttons to send or correct."""

    form = SUMMARY_FORM
    slot = "summary_answer"

    def ask(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        show_summary(dispatcher, tracker)
