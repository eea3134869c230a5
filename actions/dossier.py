"""The pre-dossier: consent, what the person gives, summary, correction, creation, deletion."""

import asyncio
import threading
from functools import lru_cache
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import OperationalError

from actions.dossier_steps import FIELDS, SUMMARY_FORM, ask_consent, summary_again
from actions.entities import latest_entity
from actions.questions import OneQuestionValidation, await_answer, open_question, yes_or_no
from actions.routing import FORM as LOCATION_FORM
from actions.routing import antenne_placeholders
from dossiers.notify import SmtpSettings, messages_for, send
from dossiers.repository import NewPreDossier, Repository, StoreUnavailable, TooManyRequests
from referentiel import load_referentiel
from referentiel.contact import contact, field_to_correct, person_name
from referentiel.financing import detect_situation

FORM = "dossier_form"
PLACE_FIELD = "commune"
SENT_SLOT = "dossier_sent"
DISCARD_SLOT = "dossier_discarded"
# What the person gave for a request: forgotten by the conversation once it is sent.
PERSONAL_SLOTS = (
    "dossier_first_name",
    "dossier_last_name",
    "dossier_contact",
    "dossier_contact_time",
    "dossier_request_id",
)
# Below this confidence, a reply to a question of the form is its answer: "Durand", read
# as a question about duration at 0.29, is a last name; "c'est payant ?" (0.99) is a question.
SURE_OF_A_QUESTION = 0.5


_FIRST_USE = threading.Lock()


def repository() -> Repository:
    """The store, migrated and with its antennes synchronised from referentiel/ on first use
    (tried again on the next use when the database is unreachable). Database calls run in
    threads: the first ones wait for one migration instead of running several at once."""
    with _FIRST_USE:
        return _migrated_repository()


@lru_cache(maxsize=1)
def _migrated_repository() -> Repository:
    store = Repository.from_settings()
    try:
        store.migrate()
        store.sync_antennes(load_referentiel())
    except OperationalError as error:
        raise StoreUnavailable(str(error.orig)) from error
    return store


async def in_thread(function, *args):
    """Run a database call off the action server's event loop."""
    return await asyncio.to_thread(function, *args)


class ActionDossierOffer(Action):
    """Offer a pre-dossier: the commune first if unknown, then the consent question."""

    def name(self) -> str:
        return "action_dossier_offer"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):
        return offer(dispatcher, tracker)


def offer(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
    """The antenne first when the message names a place ("rappelez moi, j'habite à Lens")
    or none is known yet; then the consent question."""
    if latest_entity(tracker, "place"):
        return [SlotSet("dossier_wanted", True), *open_question(LOCATION_FORM, "place_answer")]
    if not antenne_placeholders(tracker.get_slot("antenne")):
        dispatcher.utter_message(response="utter_dossier_need_place_intro")
        return [SlotSet("dossier_wanted", True), *open_question(LOCATION_FORM, "place_answer")]
    return ask_consent()


def refuse(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
    dispatcher.utter_message(response="utter_dossier_refused_intro")
    placeholders = antenne_placeholders(tracker.get_slot("antenne"))
    if placeholders:
        dispatcher.utter_message(response="utter_contact_antenne", **placeholders)
    else:
        dispatcher.utter_message(response="utter_contact")
    return [SlotSet("dossier_request_id", None)]


def already_sent(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """True when the pre-dossier is already sent, after saying so: what it holds is
    never shown again here, and the antenne corrects it."""
    reference = tracker.get_slot(SENT_SLOT)
    if not reference:
        return False
    dispatcher.utter_message(
        response="utter_dossier_closed",
        reference=reference,
        **(antenne_placeholders(tracker.get_slot("antenne")) or {}),
    )
    return True


class ValidateDossierForm(FormValidationAction):
    """Check each answer; an invalid one is asked again politely."""

    def name(self) -> str:
        return "validate_dossier_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> list[str]:
        return list(FIELDS)

    async def extract_dossier_first_name(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return _unsure_reply(tracker, "dossier_first_name")

    async def extract_dossier_last_name(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return _unsure_reply(tracker, "dossier_last_name")

    async def extract_dossier_contact(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return _unsure_reply(tracker, "dossier_contact")

    def validate_dossier_first_name(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        return self._name("dossier_first_name", value, dispatcher)

    def validate_dossier_last_name(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        return self._name("dossier_last_name", value, dispatcher)

    @staticmethod
    def _name(slot: str, value: Any, dispatcher: CollectingDispatcher) -> dict[str, Any]:
        name = person_name(str(value or ""))
        if name is None:
            dispatcher.utter_message(response="utter_dossier_invalid_name")
        return {slot: name}

    def validate_dossier_contact(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        checked = contact(str(value or ""))
        if checked is None:
            dispatcher.utter_message(response="utter_dossier_invalid_contact")
        return {"dossier_contact": checked}

    def validate_situation(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        ref = load_referentiel()
        known = {situation.id for situation in ref.situations}
        return {"situation": value if value in known else detect_situation(str(value or ""), ref)}

    def validate_dossier_contact_time(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        """Any words; an older button clicked instead ("/give_situation{…}") is no answer."""
        text = " ".join(str(value or "").split())[:128]
        return {"dossier_contact_time": None if text.startswith("/") else text or None}


def _unsure_reply(tracker: Tracker, slot: str) -> dict[str, Any]:
    """The reply to the question of `slot` as its answer, when the slot mapping left it out
    because NLU read it, unsure, as another request; nothing otherwise."""
    message = tracker.latest_message or {}
    text = message.get("text") or ""
    confidence = (message.get("intent") or {}).get("confidence") or 0.0
    if (
        tracker.get_slot("requested_slot") != slot
        or tracker.get_slot(slot) is not None
        or not text
        or text.startswith("/")
        or confidence >= SURE_OF_A_QUESTION
    ):
        return {}
    return {slot: text}


class ActionDossierSummary(Action):
    """Show what will be sent, with buttons to confirm or correct."""

    def name(self) -> str:
        return "action_dossier_summary"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):
        if already_sent(dispatcher, tracker):
            return []
        return summary_again()


class ActionDossierCorrect(Action):
    """Empty the field the person wants to correct; the form asks it again."""

    def name(self) -> str:
        return "action_dossier_correct"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):
        if already_sent(dispatcher, tracker):
            return []
        field = latest_entity(tracker, "dossier_field")
        if field not in (*FIELDS, PLACE_FIELD):
            field = field_to_correct(tracker.latest_message.get("text") or "", load_referentiel())
        if field is None:
            dispatcher.utter_message(response="utter_dossier_which_field")
            return await_answer(SUMMARY_FORM, "summary_answer")
        if field == PLACE_FIELD:  # routing asks the commune, then shows the summary again
            return [SlotSet("dossier_wanted", True), *open_question(LOCATION_FORM, "place_answer")]
        return [SlotSet(field, None), FollowupAction(FORM)]


class ActionDossierCreate(Action):
    """Create the pre-dossier once, whatever the retries; say so plainly if the store is down."""

    def name(self) -> str:
        return "action_dossier_create"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):
        placeholders = antenne_placeholders(tracker.get_slot("antenne"))
        request_id = tracker.get_slot("dossier_request_id")
        if (
            not placeholders
            or not request_id
            or any(tracker.get_slot(slot) is None for slot in FIELDS[:3])
        ):
            dispatcher.utter_message(response="utter_dossier_nothing_to_send")
            return [SlotSet("summary_answer", None)]
        levels = tracker.get_slot("quiz_levels") or {}
        new = NewPreDossier(
            request_key=f"{tracker.sender_id}:{request_id}",
            sender_id=tracker.sender_id,
            antenne_id=tracker.get_slot("antenne"),
            first_name=tracker.get_slot("dossier_first_name"),
            last_name=tracker.get_slot("dossier_last_name"),
            phone=_if(tracker.get_slot("dossier_contact"), lambda v: "@" not in v),
            email=_if(tracker.get_slot("dossier_contact"), lambda v: "@" in v),
            postal_code=tracker.get_slot("postal_code"),
            commune=tracker.get_slot("commune"),
            situation=tracker.get_slot("situation"),
            contact_time=tracker.get_slot("dossier_contact_time"),
            quiz_levels={int(domain_id): level for domain_id, level in levels.items()},
        )
        try:
            reference, created = await in_thread(_create, new)
        except StoreUnavailable:
            dispatcher.utter_message(response="utter_dossier_store_down")
            return await_answer(SUMMARY_FORM, "summary_answer")  # "Réessayer" sends it again
        except TooManyRequests:
            dispatcher.utter_message(response="utter_dossier_too_many", **placeholders)
            return [
                SlotSet("summary_answer", None),
                *(SlotSet(slot, None) for slot in PERSONAL_SLOTS),
            ]
        dispatcher.utter_message(
            response="utter_dossier_created" if created else "utter_dossier_already_created",
            reference=reference,
            **placeholders,
        )
        settings = SmtpSettings.from_settings()
        if created and settings:
            ref = load_referentiel()
            mails = messages_for(reference, ref.antenne(new.antenne_id), new.email, ref, settings)
            await in_thread(send, mails, settings)
        return [
            SlotSet("summary_answer", None),
            SlotSet(SENT_SLOT, reference),
            *(SlotSet(slot, None) for slot in PERSONAL_SLOTS),
        ]


def _create(new: NewPreDossier) -> tuple[str, bool]:
    return repository().create_pre_dossier(new)


def _if(value: str | None, keep) -> str | None:
    return value if value and keep(value) else None


class ActionDossierCancel(Action):
    """Stop the collection: what was typed for it is forgotten by the conversation and
    deleted from the conversation store (bot/tracker_store.py, DISCARD_SLOT)."""

    def name(self) -> str:
        return "action_dossier_cancel"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):
        dispatcher.utter_message(response="utter_dossier_cancelled")
        return [
            SlotSet("requested_slot", None),
            *(SlotSet(slot, None) for slot in PERSONAL_SLOTS if slot != "dossier_request_id"),
            SlotSet(DISCARD_SLOT, True),
        ]


class ActionDossierConsent(Action):
    """The consent form has its answer: "oui" opens the pre-dossier form, "non" gives the
    antenne's contact instead."""

    def name(self) -> str:
        return "action_dossier_consent"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):
        events = [SlotSet("consent_answer", None)]
        if tracker.get_slot("consent_answer"):
            return [*events, FollowupAction(FORM)]
        return [*events, *refuse(dispatcher, tracker)]


class ValidateErasureForm(OneQuestionValidation):
    """ "oui" or "non" to "Voulez-vous vraiment tout effacer ?"."""

    slot = "erasure_answer"

    def name(self) -> str:
        return "validate_erasure_form"

    def read(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> bool | None:
        return yes_or_no(tracker)


class ActionDeleteMyData(Action):
    """With the person's "oui", delete their pre-dossiers, then their stored conversation
    (see bot/tracker_store.py)."""

    def name(self) -> str:
        return "action_delete_my_data"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]):
        if not tracker.get_slot("erasure_answer"):
            dispatcher.utter_message(response="utter_data_kept")
            return [SlotSet("erasure_answer", None)]
        try:
            deleted = await in_thread(_delete, tracker.sender_id)
        except StoreUnavailable:
            dispatcher.utter_message(response="utter_delete_my_data_store_down")
            return [SlotSet("erasure_answer", None)]
        dispatcher.utter_message(
            response="utter_data_deleted" if deleted else "utter_data_deleted_conversation_only"
        )
        return [SlotSet("erasure_answer", None), SlotSet("data_erasure", True)]


def _delete(sender_id: str) -> int:
    return repository().delete_for_sender(sender_id)
