"""Actions that explain CléA."""

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.entities import latest_entity
from referentiel import load_referentiel
from referentiel.domains import find_domain, official_titles_button

OFFICIAL_TITLES_INTENT = "ask_domains_official"
CONTENT_INTENT = "ask_domain_content"


class ActionExplainDomain(Action):
    """Show one domain and its sub-domains in plain words, or ask which domain is meant.

    Asked whether something is in CléA (ask_domain_content), it says yes before the
    domain that covers it, or shows the 7 domains when none does.

    Asked for the official titles (intent ask_domains_official), it gives those
    of the domain named, or of the 7 domains when none is named.
    """

    def name(self) -> str:
        return "action_explain_domain"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        ref = load_referentiel()
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        official = intent == OFFICIAL_TITLES_INTENT
        domain_id = _domain_from_entity(tracker, {d.id for d in ref.domains})
        if domain_id is None:
            # "la formulation officielle" is no typo of "formation": exact themes only there.
            text = tracker.latest_message.get("text") or ""
            domain_id = find_domain(text, ref, fuzzy=not official)
        if official and domain_id is None:
            dispatcher.utter_message(response="utter_domains_official_part1")
            dispatcher.utter_message(response="utter_domains_official_part2")
        elif official:
            dispatcher.utter_message(response=f"utter_domain_{domain_id}_official_part1")
            dispatcher.utter_message(response=f"utter_domain_{domain_id}_official_part2")
        elif domain_id is None and intent == CONTENT_INTENT:  # "il y a de l'anglais ?"
            dispatcher.utter_message(response="utter_domains_part1")
            dispatcher.utter_message(response="utter_domains_part2")
        elif domain_id is None:
            dispatcher.utter_message(response="utter_ask_which_domain")
        else:
            if intent == CONTENT_INTENT:
                dispatcher.utter_message(response="utter_domain_content_intro")
            dispatcher.utter_message(response=f"utter_domain_{domain_id}_part1")
            dispatcher.utter_message(
                response=f"utter_domain_{domain_id}_part2",
                buttons=[official_titles_button(domain_id)],
            )
        return []


def _domain_from_entity(tracker: Tracker, known_ids: set[int]) -> int | None:
    value = latest_entity(tracker, "domain")
    try:
        domain_id = int(value or "")
    except ValueError:
        return None
    return domain_id if domain_id in known_ids else None
