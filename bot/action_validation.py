"""Rasa's calls to the action server: answers checked with a validator built once,
a refused connection tried again, and the conversation's recent events only.

- Rasa 3.6 checks each answer of the action server with `jsonschema.validate`,
  which first checks the schema itself against its meta-schema; with jsonschema
  4.17 that re-check was 42 % of the Rasa server's CPU time under load (py-spy,
  20 concurrent conversations). `install()` replaces Rasa's check by the same
  validation against the same schema, with the validator built once.
- A call whose connection is refused (the action server, or nginx in front of the
  action servers, restarting) fails the action, and the turn ends in the apology.
  Nothing was sent: the call is tried again after 0.25, 0.5, 1 and 2 s.
- Rasa sends the action server every event of the conversation at each call (at
  turn 300, 3,000 events serialised, sent and read back, several times a message).
  Our actions read the slots, the latest message and the events back to the person's
  latest message: the call carries the slots, the latest message and the last
  `ACTION_CALL_EVENTS` events.
"""

import asyncio
import functools
from itertools import islice
from typing import Any

import aiohttp
import structlog
from jsonschema import ValidationError
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa.utils.endpoints import EndpointConfig

CONNECT_RETRY_DELAYS_S = (0.25, 0.5, 1.0, 2.0)
# The events an action is sent: ten turns or so, where our actions read back one.
ACTION_CALL_EVENTS = 100

logger = structlog.get_logger()


@functools.lru_cache(maxsize=1)
def action_result_validator() -> Validator:
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def validate_action_result(_: RemoteAction, result: dict[str, Any]) -> bool:
    """Rasa's `RemoteAction._validate_action_result`, without the schema re-check."""
    try:
        action_result_validator().validate(result)
    except ValidationError as error:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response "
            f"from the Action endpoint is valid. For more information about the format "
            f"visit {DOCS_BASE_URL}/custom-actions"
        )
        raise
    return True


class RetriedEndpoint(EndpointConfig):
    """The action server's endpoint, connecting again when the connection is refused."""

    async def request(self, *args: Any, **kwargs: Any) -> Any | None:
        for delay in CONNECT_RETRY_DELAYS_S:
            try:
                return await super().request(*args, **kwargs)
            except aiohttp.ClientConnectorError as error:
                logger.warning("action.call.refused", retry_in_s=delay, reason=type(error).__name__)
                await asyncio.sleep(delay)
        return await super().request(*args, **kwargs)


def retried(endpoint: EndpointConfig | None) -> EndpointConfig | None:
    if endpoint is None or isinstance(endpoint, RetriedEndpoint):
        return endpoint
    return RetriedEndpoint(
        endpoint.url,
        endpoint.params,
        endpoint.headers,
        endpoint.basic_auth,
        endpoint.token,
        endpoint.token_name,
        endpoint.cafile,
        **endpoint.kwargs,
    )


class _RecentEvents:
    """The tracker as the action server is sent it: its state and its latest events."""

    def __init__(self, tracker: DialogueStateTracker) -> None:
        self.tracker = tracker
        self.sender_id = tracker.sender_id

    def current_state(self, _verbosity: EventVerbosity) -> dict[str, Any]:
        state = self.tracker.current_state(EventVerbosity.NONE)
        events = self.tracker.events
        recent = islice(events, max(0, len(events) - ACTION_CALL_EVENTS), None)
        state["events"] = [event.as_dict() for event in recent]
        return state


_rasa_action_call_format = RemoteAction._action_call_format


def recent_call_format(
    self: RemoteAction, tracker: DialogueStateTracker, domain: Domain
) -> dict[str, Any]:
    """Rasa's call to the action server, with the latest `ACTION_CALL_EVENTS` events."""
    return _rasa_action_call_format(self, _RecentEvents(tracker), domain)


_rasa_remote_action_init = RemoteAction.__init__


def _remote_action_init(
    self: RemoteAction, name: str, action_endpoint: EndpointConfig | None
) -> None:
    _rasa_remote_action_init(self, name, retried(action_endpoint))


def install() -> None:
    RemoteAction._validate_action_result = validate_action_result
    RemoteAction.__init__ = _remote_action_init
    RemoteAction._action_call_format = recent_call_format
