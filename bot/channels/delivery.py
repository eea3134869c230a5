"""Every message the person sends gets an answer, even when part of the assistant fails.

When the action server is down, Rasa only logs the failed action and the turn
ends in silence; an error inside Rasa ends it the same way. Each channel hands
messages over through `deliver`, which watches what the assistant sends and,
when it sent nothing, answers with an apology and the head office phone
(`utter_assistant_unavailable`, rendered from referentiel/).
"""

import functools
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Text

import structlog
import yaml
from rasa.core.channels.channel import OutputChannel, UserMessage

RESPONSES_FILE = Path(__file__).resolve().parent.parent / "domain" / "responses.yml"
APOLOGY_RESPONSE = "utter_assistant_unavailable"

logger = structlog.get_logger()


@functools.lru_cache(maxsize=1)
def _apology() -> Dict[Text, Any]:
    responses = yaml.safe_load(RESPONSES_FILE.read_text(encoding="utf-8"))["responses"]
    return responses[APOLOGY_RESPONSE][0]


def apology() -> Dict[Text, Any]:
    """The apology, as a message for `OutputChannel.send_response` (which consumes it)."""
    message = _apology()
    return {"text": message["text"].strip(), "buttons": list(message.get("buttons", []))}


class WatchedOutput(OutputChannel):
    """A channel's output, counting the messages the assistant sends through it."""

    def __init__(self, inner: OutputChannel) -> None:
        self.inner = inner
        self.sent = 0

    def name(self) -> Text:  # responses may differ per channel: keep the real one's name
        return self.inner.name()

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        self.sent += 1
        await self.inner.send_response(recipient_id, message)


async def deliver(
    on_new_message: Callable[[UserMessage], Awaitable[Any]], message: UserMessage
) -> None:
    """Hand a message to Rasa; an apology when nothing was answered. Never raises."""
    watched = WatchedOutput(message.output_channel)
    message.output_channel = watched
    try:
        await on_new_message(message)
    except Exception:  # a provider would retry on a 5xx and the person get answers twice
        logger.exception("channel.message.failure", channel=message.input_channel,
                         sender=message.sender_id)
    if watched.sent:
        return
    logger.error("channel.message.unanswered", channel=message.input_channel,
                 sender=message.sender_id)
    try:
        await watched.inner.send_response(message.sender_id, apology())
    except Exception:
        logger.exception("channel.apology.failure", channel=message.input_channel)
