"""The running Rasa server's agent and conversation store, as the channels reach them.

Rasa wraps the configured tracker store in a FailSafeTrackerStore: when the database
is away, it answers the turn from a blank conversation and saves it in memory, so a
person in the middle of a pre-dossier would get answers that ignore everything said,
and those answers would be lost. `fail_fast` removes that wrapper once the model is
loaded: a turn that cannot read or save its conversation fails, the person gets the
apology (bot/channels/delivery.py), and the website's client may send the same
message again (bot/channels/rest.py).
"""

from typing import Any

from rasa.core.agent import Agent
from rasa.core.tracker_store import FailSafeTrackerStore, TrackerStore
from sanic import Sanic
from sanic.exceptions import SanicException


def running_agent() -> Agent | None:
    """The agent of the Rasa server this code runs in; None outside a server."""
    try:
        return Sanic.get_app().ctx.agent
    except (SanicException, AttributeError):
        return None


def our_tracker_store(agent: Agent | None = None) -> TrackerStore | None:
    """The configured conversation store (ours), without Rasa's wrapper; None outside a server."""
    store = getattr(agent or running_agent(), "tracker_store", None)
    return store._tracker_store if isinstance(store, FailSafeTrackerStore) else store


def fail_fast(app: Sanic, _loop: Any = None) -> None:
    """Give the agent and its processor the configured store itself (a Sanic listener,
    after the model is loaded)."""
    agent = getattr(app.ctx, "agent", None)
    store = our_tracker_store(agent) if agent is not None else None
    if agent is None or store is None:
        return
    agent.tracker_store = store
    if agent.processor is not None:
        agent.processor.tracker_store = store
