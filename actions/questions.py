"""One question at a time, the Rasa way: each question the assistant asks is a form with
one slot, so the next message is tried as its answer first (`requested_slot`).

A reply that is not an answer ("c'est payant ?" after "quelle est votre commune ?")
ends the question and gets its usual reply: the validation rejects the form and
deactivates it in the same step, so Rasa's rules answer the message as if nothing was
pending, and no earlier question comes back afterwards.
"""

from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActionExecutionRejected, ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

YES_NO = {"affirm": True, "deny": False}


def intent_of(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")


def yes_or_no(tracker: Tracker) -> bool | None:
    """True for "oui" (typed or its button), False for "non", None for anything else."""
    return YES_NO.get(intent_of(tracker) or "")


def spoke_since_form_ran(tracker: Tracker, form: str) -> bool:
    """True when the form's own validation already said something in this step (a question
    with choices, or "je n'ai pas compris"), so asking its question again would repeat it."""
    for event in reversed(tracker.events):
        if event.get("event") == "bot":
            return True
        if event.get("event") == "action" and event.get("name") == form:
            return False
        if event.get("event") == "user":
            return False
    return False


def replies_to(tracker: Tracker, form: str) -> bool:
    """True when the latest message came right after `form` asked: no other action has
    run since ("on reprend" opens the quiz form again; it answers nothing)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return True
        if event.get("event") == "action" and event.get("name") not in (form, "action_listen"):
            return False
    return False


class OneQuestionValidation(FormValidationAction):
    """The validation of a one-question form: `read` the reply, then `accept` it.

    `read` returns None for a reply that is about something else: the question ends and
    the message gets its usual reply. `accept` returns the slots to set; the form ends
    when its slot is set, and asks again (its `action_ask_<slot>`) while it is None.
    """

    slot: str

    @abstractmethod
    def read(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> Any:
        """The answer in the reply, or None when the reply is about something else."""

    async def accept(
        self, answer: Any, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        return {self.slot: answer}

    def read_at_start(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> Any:
        """The answer already in the message that opened the question, if any."""
        return None

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        asked = (
            tracker.get_slot("requested_slot") == self.slot
            and (tracker.active_loop or {}).get("name") == self.form_name()
            and replies_to(tracker, self.form_name())
        )
        answer = (
            self.read(dispatcher, tracker) if asked else self.read_at_start(dispatcher, tracker)
        )
        if answer is None:
            return [ActionExecutionRejected(self.form_name()), ActiveLoop(None)] if asked else []
        slots = await self.accept(answer, dispatcher, tracker)
        return [SlotSet(name, value) for name, value in slots.items()]


class AskOnce(Action, ABC):
    """Ask a form's question, unless the form's validation has just answered with its own
    message (choices to click, "je n'ai pas compris"…)."""

    form: str
    slot: str

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    @abstractmethod
    def ask(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        """Put the question."""

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if not spoke_since_form_ran(tracker, self.form):
            self.ask(dispatcher, tracker)
        return []


def open_question(form: str, slot: str) -> list[dict[str, Any]]:
    """Start `form`: it asks its question, then reads the next message as the answer."""
    return [SlotSet(slot, None), FollowupAction(form)]


def await_answer(form: str, slot: str) -> list[dict[str, Any]]:
    """The caller has just put `form`'s question itself: read the next message as its answer."""
    return [
        SlotSet(slot, None),
        ActiveLoop(form),
        SlotSet("requested_slot", slot),
        FollowupAction("action_listen"),
    ]
