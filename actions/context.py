"""Replies whose meaning depends on what the assistant just asked.

"oui", "b", "abcde" or "5900" answer the pending quiz question or the
commune question when there is one; otherwise they get the usual reply.
A message the NLU was unsure of gets "Vouliez-vous dire… ?" with the likeliest
topics as buttons, never a dead end.
"""

import inspect
from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.dossier import FORM, PENDING_ERASURE, ActionDeleteMyData, ActionDossierCreate, refuse
from actions.dossier_steps import PENDING_CONSENT, PENDING_SUMMARY
from actions.entities import latest_entity
from actions.quiz import PENDING_QUIZ, answer_quiz
from actions.routing import PENDING_LOCATION, ActionLocate, commune_payload, single_suggested_commune
from referentiel.buttons import button, suggestion
from referentiel.territory import Outcome, locate

# Actions that end by asking a question; a pending question counts only right after them.
ASKING_ACTIONS = {
    "action_find_antenne", "action_locate", "action_reply_in_context",
    "action_quiz_start", "action_quiz_resume", "action_quiz_restart",
    "action_dossier_offer", "action_dossier_summary", "action_dossier_correct",
    "action_dossier_create", "action_delete_my_data_ask", "action_personal_data",
}
FALLBACK = "nlu_fallback"
# "Vouliez-vous dire… ?": at most this many topics, each at least this likely.
MAX_SUGGESTIONS = 2
MIN_SUGGESTION_CONFIDENCE = 0.1
# Intents that may be the answer to the commune question ("5900" reads like a quiz answer,
# which means something only during the quiz).
LOCATION_ANSWER_INTENTS = {"nonsense", "nlu_fallback", "out_of_scope", "quiz_answer"}
USUAL_REPLIES = {
    "affirm": "utter_affirm",
    "deny": "utter_deny",
    "out_of_scope": "utter_out_of_scope",
    "quiz_answer": "utter_quiz_not_running",
}


def _start_form(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
    return [SlotSet("pending_question", None), FollowupAction(FORM)]


def _run(action: Action):
    return lambda dispatcher, tracker: action.run(dispatcher, tracker, {})


def _say(response: str, keep_pending: bool = False):
    def reply(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
        dispatcher.utter_message(response=response)
        return [] if keep_pending else [SlotSet("pending_question", None)]

    return reply


# What "oui" and "non" (typed, or the buttons that send them) do after each yes/no question.
YES_NO_QUESTIONS = {
    PENDING_CONSENT: {"affirm": _start_form, "deny": refuse},
    PENDING_SUMMARY: {
        "affirm": _run(ActionDossierCreate()),
        "deny": _say("utter_dossier_which_field", keep_pending=True),
    },
    PENDING_ERASURE: {
        "affirm": _run(ActionDeleteMyData()),
        "deny": _say("utter_data_kept"),
    },
}


def pending_question(tracker: Tracker) -> Optional[str]:
    """What the assistant's last turn asked ("location", "quiz"), if anything."""
    pending = tracker.get_slot("pending_question")
    if not pending:
        return None
    user_turn_seen = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            user_turn_seen = True
        elif user_turn_seen and event.get("event") == "action":
            if event.get("name") == "action_listen":
                continue
            return pending if event.get("name") in ASKING_ACTIONS else None
    return None


class ActionReplyInContext(Action):
    """Short answers, quiz answers, gibberish, low confidence and out of scope."""

    def name(self) -> str:
        return "action_reply_in_context"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        pending = pending_question(tracker)
        clicked_quiz_button = latest_entity(tracker, "quiz_item")
        if pending == PENDING_QUIZ or (intent == "quiz_answer" and clicked_quiz_button):
            return answer_quiz(dispatcher, tracker)
        if pending == PENDING_LOCATION and intent in LOCATION_ANSWER_INTENTS:
            return ActionLocate().run(dispatcher, tracker, domain)
        suggested = single_suggested_commune(tracker) if pending == PENDING_LOCATION else None
        if intent == "affirm" and suggested:  # "oui" to "Vouliez-vous dire Béthune ?"
            return ActionLocate().answer(dispatcher, tracker, suggested)
        if intent in ("affirm", "deny") and pending in YES_NO_QUESTIONS:
            events = YES_NO_QUESTIONS[pending][intent](dispatcher, tracker)
            return await events if inspect.isawaitable(events) else events
        buttons = suggestions(tracker) if intent == FALLBACK else []
        if buttons:
            dispatcher.utter_message(response="utter_did_you_mean_choices",
                                     buttons=[*buttons, button("something_else")])
        else:
            dispatcher.utter_message(response=USUAL_REPLIES.get(intent, "utter_default"))
        return [SlotSet("pending_question", None)]


def suggestions(tracker: Tracker) -> list[dict[str, str]]:
    """The one or two likeliest topics of a message the NLU was unsure of, as buttons:
    the antenne of a commune it names first, then the intents NLU ranked highest."""
    found: list[dict[str, str]] = []
    always_offered = button("something_else")  # "Autre chose" opens the menu
    place = latest_entity(tracker, "place")
    if place:
        location = locate(tracker.latest_message.get("text") or "")
        if location.outcome is Outcome.FOUND and location.commune:
            found.append({"title": f"L'antenne pour {location.commune.name}",
                          "payload": commune_payload(location.commune)})
    for entry in tracker.latest_message.get("intent_ranking") or []:
        candidate = suggestion(entry.get("name") or "")
        if (candidate and candidate not in found
                and candidate["payload"] != always_offered["payload"]
                and entry.get("confidence", 0.0) >= MIN_SUGGESTION_CONFIDENCE):
            found.append(candidate)
        if len(found) == MAX_SUGGESTIONS:
            break
    return found
