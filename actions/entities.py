"""Entities read from a message, typed: a button payload posted by a client can carry any JSON."""

from rasa_sdk import Tracker

MAX_ENTITY_CHARS = 200


def latest_entity(tracker: Tracker, name: str) -> str | None:
    """The latest value of the entity as a short text (numbers as their digits), else None."""
    value = next(tracker.get_latest_entity_values(name), None)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    return value if isinstance(value, str) and len(value) <= MAX_ENTITY_CHARS else None
