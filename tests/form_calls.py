"""Call actions as Rasa does around a one-question form (actions/questions.py)."""

import asyncio
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher


def tracker(
    text: str,
    intent: str,
    slots: dict | None = None,
    entities: list[dict] | None = None,
    events: list[dict] | None = None,
    form: str | None = None,
    asked: str | None = None,
) -> Tracker:
    """The tracker an action sees after the message `text`; with `asked`, the slot the
    active `form` asked for."""
    latest = {"text": text, "intent": {"name": intent}, "entities": entities or []}
    all_slots = {**(slots or {}), "requested_slot": asked}
    return Tracker(
        "test-user",
        all_slots,
        latest,
        events or [],
        False,
        None,
        {"name": form} if form else {},
        "action_listen",
    )


def call(
    action: Action, text: str, intent: str = "give_location", **kwargs: Any
) -> tuple[list[dict], list[dict]]:
    """The messages the action sends and the events it returns."""
    dispatcher = CollectingDispatcher()
    result = action.run(dispatcher, tracker(text, intent, **kwargs), {})
    events = asyncio.run(result) if asyncio.iscoroutine(result) else result
    return dispatcher.messages, events


def responses(messages: list[dict]) -> list[str]:
    return [message["response"] for message in messages]


def slots_of(events: list[dict]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def answer(
    validation: Action, text: str, intent: str = "give_location", **kwargs: Any
) -> tuple[list[dict], list[dict]]:
    """The validation's reply to `text`, sent right after its form asked for its slot."""
    form = validation.name().removeprefix("validate_")
    asked = [
        {"event": "action", "name": form},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text},
        {"event": "action", "name": form},
    ]
    events = [*kwargs.pop("events", []), *asked]
    return call(validation, text, intent, form=form, asked=validation.slot, events=events, **kwargs)


def is_left_for_its_usual_reply(events: list[dict]) -> bool:
    """The form gave the message up: rejected, and the question closed."""
    return [e["event"] for e in events] == ["action_execution_rejected", "active_loop"] and (
        events[1]["name"] is None
    )
