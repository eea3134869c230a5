"""Replies that are no answer to a question of the assistant, or that it was unsure of.

A question the assistant asks is a form (actions/questions.py): its answer never comes
here. "oui" or "abcde" with no question open get the usual reply; a quiz answer typed
or clicked after a digression still counts for the current question. A message the NLU
was unsure of gets "Vouliez-vous dire… ?" with the likeliest topics as buttons, never a
dead end.
"""

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.entities import latest_entity
from actions.questions import intent_of
from actions.quiz import answer_later, not_finished
from actions.routing import commune_payload
from referentiel.buttons import button, suggestion
from referentiel.quiz import load_quiz
from referentiel.territory import Outcome, locate

FALLBACK = "nlu_fallback"
# "Vouliez-vous dire… ?": at most this many topics, each at least this likely.
MAX_SUGGESTIONS = 2
MIN_SUGGESTION_CONFIDENCE = 0.1
USUAL_REPLIES = {
    "affirm": "utter_affirm",
    "deny": "utter_deny",
    "out_of_scope": "utter_out_of_scope",
    "quiz_answer": "utter_quiz_not_running",
}


class ActionReplyInContext(Action):
    """Short answers, quiz answers, gibberish, low confidence and out of scope."""

    def name(self) -> str:
        return "action_reply_in_context"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        intent = intent_of(tracker)
        if (intent == "quiz_answer" or latest_entity(tracker, "quiz_item")) and not_finished(
            load_quiz(), tracker
        ):
            return answer_later(dispatcher, tracker)
        buttons = suggestions(tracker) if intent == FALLBACK else []
        if buttons:
            dispatcher.utter_message(
                response="utter_did_you_mean_choices", buttons=[*buttons, button("something_else")]
            )
        else:
            dispatcher.utter_message(response=USUAL_REPLIES.get(intent or "", "utter_default"))
        return []


def suggestions(tracker: Tracker) -> list[dict[str, str]]:
    """The one or two likeliest topics of a message the NLU was unsure of, as buttons:
    the antenne of a commune it names first, then the intents NLU ranked highest."""
    found: list[dict[str, str]] = []
    always_offered = button("something_else")  # "Autre chose" opens the menu
    place = latest_entity(tracker, "place")
    if place:
        location = locate(tracker.latest_message.get("text") or "")
        if location.outcome is Outcome.FOUND and location.commune:
            found.append(
                {
                    "title": f"L'antenne pour {location.commune.name}",
                    "payload": commune_payload(location.commune),
                }
            )
    for entry in tracker.latest_message.get("intent_ranking") or []:
        candidate = suggestion(entry.get("name") or "")
        if (
            candidate
            and candidate not in found
            and candidate["payload"] != always_offered["payload"]
            and entry.get("confidence", 0.0) >= MIN_SUGGESTION_CONFIDENCE
        ):
            found.append(candidate)
        if len(found) == MAX_SUGGESTIONS:
            break
    return found
