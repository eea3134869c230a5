"""Route the person to the antenne that covers their commune, and give its contact."""

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.dossier_steps import ask_consent, form_filled, summary_again
from actions.entities import latest_entity
from actions.questions import AskOnce, OneQuestionValidation, intent_of
from referentiel import load_referentiel
from referentiel.loader import Antenne
from referentiel.territory import Commune, Location, Outcome, load_territory

FORM = "location_form"
MAX_CHOICES = 20
MAX_SUGGESTIONS = 4
# Replies to the commune question read as a place whatever NLU made of them ("5900",
# "abcde", "paris"); any other reply counts when it names a place the reader is sure of.
PLACE_REPLY_INTENTS = {"give_location", "nonsense", "nlu_fallback", "out_of_scope", "quiz_answer"}
PLACE_OUTCOMES = {Outcome.FOUND, Outcome.OUTSIDE_REGION, Outcome.CHOOSE}
_COMMUNE_PAYLOAD = re.compile(r'"commune_id":\s*"([^"]+)"')


def antenne_fields(antenne: Antenne) -> dict[str, str]:
    """The placeholders of the responses that show an antenne's contact; `antenne_reach`
    holds its phone and hours on lines of their own, when a deployer set them."""
    lines = load_referentiel().antenne_contact_lines
    reach = [lines.phone.format(phone=antenne.phone)] if antenne.phone else []
    reach += [lines.hours.format(hours=antenne.hours)] if antenne.hours else []
    return {
        "antenne_of_name": antenne.of_name,
        "antenne_contact": antenne.contact,
        "antenne_email": antenne.email,
        "antenne_reach": "".join(f"\n{line}" for line in reach),
    }


def antenne_placeholders(antenne_id: str | None) -> dict[str, str] | None:
    """The contact placeholders of a known antenne id (a slot value), else None."""
    antennes = {antenne.id: antenne for antenne in load_referentiel().antennes}
    antenne = antennes.get(antenne_id or "")
    return antenne_fields(antenne) if antenne else None


def commune_payload(commune: Commune) -> str:
    """The payload of a button that chooses a commune."""
    return f'/give_location{{"commune_id":"{commune.id}"}}'


def commune_button(commune: Commune, departement_name: str) -> dict[str, str]:
    codes = ", ".join(commune.postal_codes)
    return {
        "title": f"{commune.name} ({departement_name}, {codes})",
        "payload": commune_payload(commune),
    }


def place_text(location: Location) -> str:
    """How the answer names the place: "Pour Maubeuge (59600)", "Pour la Somme"."""
    if location.name:
        code = f" ({location.postal_code})" if location.postal_code else ""
        return f"Pour {location.name}{code}"
    if location.postal_code:
        return f"Pour le code postal {location.postal_code}"
    departements = {d.code: d for d in load_referentiel().region.departements}
    if location.departement in departements:
        return f"Pour {departements[location.departement].with_article}"
    return "Pour votre commune"


def single_suggested_commune(tracker: Tracker) -> str | None:
    """The commune id, when the assistant's last message offered exactly one commune."""
    for event in reversed(tracker.events):
        if event.get("event") == "bot":
            buttons = (event.get("data") or {}).get("buttons") or []
            ids = [
                match.group(1)
                for button in buttons
                if (match := _COMMUNE_PAYLOAD.search(str(button.get("payload", ""))))
            ]
            return ids[0] if len(ids) == 1 else None
    return None


class ValidateLocationForm(OneQuestionValidation):
    """The reply to "quelle est votre commune ?" (or to the choices offered after it) is
    tried as a place; the antenne is given as soon as the place is known."""

    slot = "place_answer"

    def name(self) -> str:
        return "validate_location_form"

    def read_at_start(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> Location | None:
        """A place named in the message that asked for the antenne ("antenne pour Lens")."""
        commune_id = latest_entity(tracker, "commune_id")
        if commune_id:
            return load_territory().by_commune_id(commune_id)
        if latest_entity(tracker, "place") or intent_of(tracker) == "give_location":
            return load_territory().locate(_typed(tracker))
        return None

    def read(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> Location | None:
        territory = load_territory()
        commune_id = latest_entity(tracker, "commune_id") or (
            single_suggested_commune(tracker) if intent_of(tracker) == "affirm" else None
        )
        if commune_id:
            return territory.by_commune_id(commune_id)
        if latest_entity(tracker, "place") and intent_of(tracker) not in PLACE_REPLY_INTENTS:
            return None  # "c'est payant à Lens ?": both are answered
        location = territory.locate(_typed(tracker), asked=True)
        if intent_of(tracker) in PLACE_REPLY_INTENTS or location.outcome in PLACE_OUTCOMES:
            return location
        return None

    async def accept(
        self, location: Location, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        done = answer_location(dispatcher, location)
        if location.outcome is Outcome.FOUND:
            return {
                "place_answer": location.antenne_id,
                "antenne": location.antenne_id,
                "commune": location.name,
                "postal_code": location.postal_code,
            }
        return {"place_answer": location.outcome.name if done else None}


def _typed(tracker: Tracker) -> str:
    """The message as typed; a button's payload names no place."""
    text = tracker.latest_message.get("text") or ""
    return "" if text.startswith("/") else text


class ActionAskPlaceAnswer(AskOnce):
    """ "Écrivez votre commune ou votre code postal"."""

    form = FORM
    slot = "place_answer"

    def ask(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        dispatcher.utter_message(response="utter_ask_location")


class ActionLocationDone(Action):
    """The place is known: a request to be called back goes on with its consent (or its
    summary, when the commune was corrected from it)."""

    def name(self) -> str:
        return "action_location_done"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        events = [SlotSet("place_answer", None)]
        if not tracker.get_slot("dossier_wanted"):
            return events
        if tracker.get_slot("place_answer") != tracker.get_slot("antenne"):  # another region
            return [*events, SlotSet("dossier_wanted", False)]
        if form_filled(tracker):
            return [*events, SlotSet("dossier_wanted", False), *summary_again()]
        return [*events, *ask_consent()]


def answer_location(dispatcher: CollectingDispatcher, location: Location) -> bool:
    """Send the answer; True when nothing more is needed from the person."""
    ref = load_referentiel()
    departement_names = {d.code: d.name for d in ref.region.departements}
    buttons = [
        commune_button(commune, departement_names[commune.departement])
        for commune in location.candidates
    ]
    outcome = location.outcome
    if outcome is Outcome.FOUND:
        assert location.antenne_id is not None  # a place found names its antenne
        dispatcher.utter_message(
            response="utter_antenne_found",
            place=place_text(location),
            **antenne_fields(ref.antenne(location.antenne_id)),
        )
        return True
    if outcome is Outcome.OUTSIDE_REGION:
        if location.name:
            place = location.name
        elif location.postal_code:
            place = f"Le code postal {location.postal_code}"
        else:
            place = f"Le département {location.departement}"
        if location.region:
            dispatcher.utter_message(
                response="utter_outside_region_named", place=place, region=location.region
            )
        else:
            dispatcher.utter_message(response="utter_outside_region", place=place)
        return True
    if outcome is Outcome.CHOOSE and location.postal_code:
        dispatcher.utter_message(
            response="utter_postal_code_choices",
            postal_code=location.postal_code,
            buttons=buttons[:MAX_CHOICES],
        )
    elif outcome is Outcome.CHOOSE:
        dispatcher.utter_message(
            response="utter_homonym_choices", name=location.name, buttons=buttons
        )
    elif outcome is Outcome.CONFIRM:
        dispatcher.utter_message(
            response="utter_typo_choices",
            query=location.query,
            buttons=buttons[:MAX_SUGGESTIONS],
        )
    elif outcome is Outcome.NOT_FOUND and location.postal_code:
        dispatcher.utter_message(
            response="utter_postal_code_unknown", postal_code=location.postal_code
        )
    elif outcome is Outcome.NOT_FOUND:
        dispatcher.utter_message(response="utter_commune_not_found", query=location.query)
        if buttons:
            dispatcher.utter_message(
                response="utter_closest_choices", buttons=buttons[:MAX_SUGGESTIONS]
            )
    elif outcome is Outcome.MALFORMED:
        dispatcher.utter_message(response="utter_malformed_location")
    elif outcome is Outcome.ASK_COMMUNE:
        with_article = next(
            d.with_article for d in ref.region.departements if d.code == location.departement
        )
        dispatcher.utter_message(
            response="utter_ask_commune_in_departement",
            departement=with_article[:1].upper() + with_article[1:],
        )
    else:
        dispatcher.utter_message(response="utter_ask_location")
    return False


def utter_with_contact(
    dispatcher: CollectingDispatcher, tracker: Tracker, with_antenne: str, without: str
) -> None:
    """Send `with_antenne` with the antenne's contact when one is known, else `without`."""
    placeholders = antenne_placeholders(tracker.get_slot("antenne"))
    if placeholders:
        dispatcher.utter_message(response=with_antenne, **placeholders)
    else:
        dispatcher.utter_message(response=without)


class ActionContact(Action):
    """The person's antenne contact when known, else the head office."""

    def name(self) -> str:
        return "action_contact"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        utter_with_contact(dispatcher, tracker, "utter_contact_antenne", "utter_contact")
        return []


class ActionMediaMessage(Action):
    """A voice note, photo or file (sent by a messaging app): written messages only,
    and who to call, the antenne's contact when known."""

    def name(self) -> str:
        return "action_media_message"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        utter_with_contact(
            dispatcher, tracker, "utter_media_message_antenne", "utter_media_message"
        )
        return []
