"""Actions that explain CléA."""

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.entities import latest_entity
from referentiel import load_referentiel
from referentiel.domains import find_domain


class ActionExplainDomain(Action):
    """Show one domain and its sub-domains, or ask which domain is meant."""

    def name(self) -> str:
        return "action_explain_domain"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        ref = load_referentiel()
        domain_id = _domain_from_entity(tracker, {d.id for d in ref.domains})
        if domain_id is None:
            domain_id = find_domain(tracker.latest_message.get("text") or "", ref)
        if domain_id is None:
            dispatcher.utter_message(response="utter_ask_which_domain")
        else:
            dispatcher.utter_message(response=f"utter_domain_{domain_id}_part1")
            dispatcher.utter_message(response=f"utter_domain_{domain_id}_part2")
        return []


def _domain_from_entity(tracker: Tracker, known_ids: set[int]) -> int | None:
    value = latest_entity(tracker, "domain")
    try:
        domain_id = int(value)
    except (TypeError, ValueError):
        return None
    return domain_id if domain_id in known_ids else None
