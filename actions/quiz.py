"""The self-positioning quiz: one question per message, answers kept in slots."""

from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.entities import latest_entity
from referentiel import load_referentiel
from referentiel.quiz import Quiz, domain_levels, focus_domains, load_quiz, read_answer
from referentiel.text import french_list

PENDING_QUIZ = "quiz"


def _position(tracker: Tracker) -> Optional[int]:
    """Index of the next question; None before any start, the item count once finished."""
    value = tracker.get_slot("quiz_position")
    return None if value is None else int(value)


def in_progress(quiz: Quiz, tracker: Tracker) -> bool:
    position = _position(tracker)
    return position is not None and 0 < position < len(quiz.items)


def ask(dispatcher: CollectingDispatcher, quiz: Quiz, position: int) -> list[dict[str, Any]]:
    """Send question `position` and say the assistant waits for its answer."""
    item = quiz.items[position]
    dispatcher.utter_message(
        response=f"utter_quiz_item_{item.id}", number=position + 1, total=len(quiz.items)
    )
    return [SlotSet("quiz_position", position), SlotSet("pending_question", PENDING_QUIZ)]


def start(dispatcher: CollectingDispatcher, quiz: Quiz) -> list[dict[str, Any]]:
    dispatcher.utter_message(response="utter_quiz_intro", total=len(quiz.items))
    return [SlotSet("quiz_answers", {}), *ask(dispatcher, quiz, 0)]


def answer_quiz(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
    """Record the answer to the current question, then ask the next one or give the result."""
    quiz = load_quiz()
    position = _position(tracker)
    if position is None or position >= len(quiz.items):
        dispatcher.utter_message(response="utter_quiz_not_running")
        return [SlotSet("pending_question", None)]
    item = quiz.items[position]
    clicked_item = latest_entity(tracker, "quiz_item")
    if clicked_item and clicked_item != item.id:  # a button of an earlier question
        return ask(dispatcher, quiz, position)
    clicked = latest_entity(tracker, "quiz_choice")
    choice = (
        clicked
        if clicked in quiz.choice_ids(item)
        else read_answer(quiz, item, tracker.latest_message.get("text") or "")
    )
    if choice is None:
        dispatcher.utter_message(response="utter_quiz_not_understood_intro")
        return ask(dispatcher, quiz, position)
    answers = {**(tracker.get_slot("quiz_answers") or {}), item.id: choice}
    if position + 1 < len(quiz.items):
        return [SlotSet("quiz_answers", answers), *ask(dispatcher, quiz, position + 1)]
    return [SlotSet("quiz_answers", answers), *give_result(dispatcher, quiz, answers)]


def give_result(
    dispatcher: CollectingDispatcher, quiz: Quiz, answers: dict[str, str]
) -> list[dict[str, Any]]:
    """The level of every domain ("pas assez de réponses" when none counted), then the summary."""
    ref = load_referentiel()
    levels = domain_levels(quiz, answers)
    labels = {level.id: level.label for level in quiz.levels}
    focus = focus_domains(quiz, answers)
    summary = (
        quiz.summaries.focus.format(
            focus=french_list([ref.domain(d).short.lower() for d in focus])
        )
        if focus
        else quiz.summaries.all_good
    )
    placeholders = {
        f"level_{domain.id}": labels.get(levels.get(domain.id), quiz.no_level_label)
        for domain in ref.domains
    }
    dispatcher.utter_message(response="utter_quiz_result_part1", **placeholders)
    dispatcher.utter_message(response="utter_quiz_result_part2", summary=summary, **placeholders)
    return [
        SlotSet("quiz_position", len(quiz.items)),
        SlotSet("quiz_levels", {str(domain): level for domain, level in levels.items()}),
        SlotSet("pending_question", None),
    ]


class ActionQuizStart(Action):
    """Start the test, or offer to resume the one in progress."""

    def name(self) -> str:
        return "action_quiz_start"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        quiz = load_quiz()
        if in_progress(quiz, tracker):
            dispatcher.utter_message(response="utter_quiz_resume_or_restart")
            return [SlotSet("pending_question", None)]
        return start(dispatcher, quiz)


class ActionQuizResume(Action):
    """Ask again the question where the person stopped."""

    def name(self) -> str:
        return "action_quiz_resume"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        quiz = load_quiz()
        if in_progress(quiz, tracker):
            return ask(dispatcher, quiz, _position(tracker))
        return start(dispatcher, quiz)


class ActionQuizRestart(Action):
    """Start the test again from the first question."""

    def name(self) -> str:
        return "action_quiz_restart"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        return start(dispatcher, load_quiz())


class ActionQuizStop(Action):
    """Pause the test; the answers so far are kept."""

    def name(self) -> str:
        return "action_quiz_stop"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if in_progress(load_quiz(), tracker) or tracker.get_slot("pending_question") == PENDING_QUIZ:
            dispatcher.utter_message(response="utter_quiz_paused")
        else:
            dispatcher.utter_message(response="utter_quiz_not_running")
        return [SlotSet("pending_question", None)]
