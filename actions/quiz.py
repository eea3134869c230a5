"""The self-positioning quiz: one question per message (the quiz form), answers kept in slots."""

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.entities import latest_entity
from actions.questions import OneQuestionValidation, intent_of
from bot.display import display
from referentiel import load_referentiel
from referentiel.quiz import (
    Quiz,
    domain_levels,
    domain_scores,
    focus_domains,
    load_quiz,
    read_answer,
)
from referentiel.text import french_list

FORM = "quiz_form"
# Replies that mean to answer the question even when they can't be read as a choice:
# "euh", "12" or "je sais" get "je n'ai pas compris" and the question again.
ANSWER_INTENTS = {"quiz_answer", "affirm", "deny", "nonsense", "nlu_fallback", "out_of_scope"}
UNREAD = "unread"
EARLIER_BUTTON = "earlier_button"


def _position(tracker: Tracker) -> int | None:
    """Index of the next question; None before any start, the item count once finished."""
    value = tracker.get_slot("quiz_position")
    return None if value is None else int(value)


def in_progress(quiz: Quiz, tracker: Tracker) -> bool:
    position = _position(tracker)
    return position is not None and 0 < position < len(quiz.items)


def not_finished(quiz: Quiz, tracker: Tracker) -> bool:
    position = _position(tracker)
    return position is not None and position < len(quiz.items)


def start(dispatcher: CollectingDispatcher, quiz: Quiz) -> list[dict[str, Any]]:
    """The intro; the quiz form then asks the first question."""
    dispatcher.utter_message(response="utter_quiz_intro", total=len(quiz.items))
    return [SlotSet("quiz_answers", {}), SlotSet("quiz_position", 0), *ask_in_form()]


def ask_in_form() -> list[dict[str, Any]]:
    """Let the quiz form ask the question at `quiz_position` and wait for its answer."""
    return [SlotSet("quiz_reply", None), FollowupAction(FORM)]


def read_reply(quiz: Quiz, tracker: Tracker) -> str | None:
    """The choice the message gives for the current question, UNREAD for a reply that
    means to answer but can't be read, EARLIER_BUTTON for a button of an earlier question,
    None for a message about something else."""
    position = _position(tracker)
    if position is None or position >= len(quiz.items):
        return None
    item = quiz.items[position]
    clicked_item = latest_entity(tracker, "quiz_item")
    if clicked_item:
        clicked = latest_entity(tracker, "quiz_choice")
        if clicked_item != item.id:
            return EARLIER_BUTTON
        return clicked if clicked in quiz.choice_ids(item) else UNREAD
    text = tracker.latest_message.get("text") or ""
    if text.startswith("/"):  # another button: a request, not an answer
        return None
    choice = read_answer(quiz, item, text)
    if choice:
        return choice
    return UNREAD if intent_of(tracker) in ANSWER_INTENTS or text.strip().isdigit() else None


def give_feedback(
    dispatcher: CollectingDispatcher, quiz: Quiz, tracker: Tracker, choice: str
) -> None:
    """After an exercise, the right answer, briefly (nothing after a self-assessment)."""
    item = quiz.items[_position(tracker) or 0]
    if item.kind == "exercise":
        said = quiz.feedback.right if choice == item.answer else quiz.feedback.wrong
        dispatcher.utter_message(text=said.format(answer=quiz.answer_title(item)))


def record(quiz: Quiz, tracker: Tracker, choice: str) -> dict[str, Any]:
    """The slots after `choice` answers the current question: the next position, and
    `quiz_reply` set once the last question is answered (the form then ends)."""
    position = _position(tracker) or 0
    answers = {**(tracker.get_slot("quiz_answers") or {}), quiz.items[position].id: choice}
    finished = position + 1 >= len(quiz.items)
    return {
        "quiz_answers": answers,
        "quiz_position": position + 1,
        "quiz_reply": choice if finished else None,
    }


class ValidateQuizForm(OneQuestionValidation):
    """Each reply during the quiz: a choice is recorded, an unclear one is asked again."""

    slot = "quiz_reply"

    def name(self) -> str:
        return "validate_quiz_form"

    def read(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> str | None:
        return read_reply(load_quiz(), tracker)

    async def accept(
        self, answer: str, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        if answer in (UNREAD, EARLIER_BUTTON):  # the question is asked again
            if answer == UNREAD:
                dispatcher.utter_message(response="utter_quiz_not_understood_intro")
            return {"quiz_reply": None}
        give_feedback(dispatcher, load_quiz(), tracker, answer)
        return record(load_quiz(), tracker, answer)


class ActionAskQuizReply(Action):
    """Ask the question at `quiz_position`."""

    def name(self) -> str:
        return "action_ask_quiz_reply"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        quiz = load_quiz()
        position = _position(tracker) or 0
        dispatcher.utter_message(
            json_message=display("progress", number=position + 1, total=len(quiz.items))
        )
        dispatcher.utter_message(
            response=f"utter_quiz_item_{quiz.items[position].id}",
            number=position + 1,
            total=len(quiz.items),
        )
        return []


class ActionQuizResult(Action):
    """The quiz form has its last answer: the result."""

    def name(self) -> str:
        return "action_quiz_result"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        quiz = load_quiz()
        return [
            SlotSet("quiz_reply", None),
            *give_result(dispatcher, quiz, tracker.get_slot("quiz_answers") or {}),
        ]


def answer_later(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
    """An answer to the current question ("b", or its button) after the quiz was left for
    another topic: it counts, and the quiz goes on."""
    quiz = load_quiz()
    choice = read_reply(quiz, tracker)
    if choice in (None, UNREAD, EARLIER_BUTTON):
        return ask_in_form()
    give_feedback(dispatcher, quiz, tracker, choice)
    slots = record(quiz, tracker, choice)
    if slots["quiz_reply"] is not None:
        return [
            SlotSet("quiz_answers", slots["quiz_answers"]),
            *give_result(dispatcher, quiz, slots["quiz_answers"]),
        ]
    return [
        SlotSet("quiz_answers", slots["quiz_answers"]),
        SlotSet("quiz_position", slots["quiz_position"]),
        *ask_in_form(),
    ]


def give_result(
    dispatcher: CollectingDispatcher, quiz: Quiz, answers: dict[str, str]
) -> list[dict[str, Any]]:
    """The level of every domain ("pas assez de réponses" when none counted), then the summary."""
    ref = load_referentiel()
    levels = domain_levels(quiz, answers)
    labels = {level.id: level.label for level in quiz.levels}
    focus = focus_domains(quiz, answers)
    summary = (
        quiz.summaries.focus.format(focus=french_list([ref.domain(d).short.lower() for d in focus]))
        if focus
        else quiz.summaries.all_good
    )
    placeholders = {
        f"level_{domain.id}": labels.get(levels.get(domain.id) or "", quiz.no_level_label)
        for domain in ref.domains
    }
    scores = domain_scores(quiz, answers)
    dispatcher.utter_message(
        json_message=display(
            "quiz_result",
            domains=[
                {
                    "id": domain.id,
                    "name": f"{domain.id}. {domain.short}",
                    "level": levels.get(domain.id),
                    "label": placeholders[f"level_{domain.id}"],
                    "score": scores.get(domain.id),
                }
                for domain in ref.domains
            ],
        )
    )
    dispatcher.utter_message(
        text="\n".join(
            [
                quiz.levels_intro,
                *(f"{level.label.capitalize()} : {level.meaning}" for level in quiz.levels),
            ]
        )
    )
    dispatcher.utter_message(response="utter_quiz_result_part1", **placeholders)
    dispatcher.utter_message(response="utter_quiz_result_part2", summary=summary, **placeholders)
    return [
        SlotSet("quiz_position", len(quiz.items)),
        SlotSet("quiz_levels", {str(domain): level for domain, level in levels.items()}),
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
            return []
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
            return ask_in_form()
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
        if not_finished(load_quiz(), tracker):
            dispatcher.utter_message(response="utter_quiz_paused")
        else:
            dispatcher.utter_message(response="utter_quiz_not_running")
        return []
