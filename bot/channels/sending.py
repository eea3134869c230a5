"""How a reply goes out to a messaging app: the same policy for Telegram, Messenger and Twilio.

Each attempt has a short timeout that really applies (`asyncio.wait_for`, whatever
the provider's client does). An attempt the provider may accept later (429 with its
`retry_after` honoured, 5xx, a network error, a timeout, Graph's `is_transient`,
Twilio's 20429/20500/20503) is tried again after a growing pause, a bounded number
of times; then, or at once for a refusal that will not change (a blocked bot, a bad
recipient), `ReplyFailed` is raised and the caller keeps the reply to send it later
(bot/channels/delivery.py). Failures are logged by provider, exception type, host
and status only: never a URL, which carries the bot token or the access token.
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlsplit

import structlog

ATTEMPTS = 4
ATTEMPT_TIMEOUT_S = 5.0
BACKOFF_S = (0.5, 1.0, 2.0)
MAX_RETRY_AFTER_S = 10.0

logger = structlog.get_logger()
Result = TypeVar("Result")


@dataclass
class SendError(Exception):
    """One failed attempt: `retry` when it may succeed later, after `retry_after` seconds
    when the provider says so. `reason` is safe to log (a type, a status, a code)."""

    reason: str
    retry: bool = True
    retry_after: float | None = None

    def __str__(self) -> str:
        return self.reason


class ReplyFailed(Exception):
    """A reply that could not be delivered, retries included."""


def host_of(url: str) -> str:
    """The host of an address, the only part of it fit for a log line."""
    return urlsplit(url).hostname or "?"


def pause_before(attempt: int, error: SendError) -> float:
    """Seconds to wait before attempt `attempt + 1` (the provider's own delay first)."""
    if error.retry_after is not None:
        return min(max(error.retry_after, 0.0), MAX_RETRY_AFTER_S)
    return BACKOFF_S[min(attempt - 1, len(BACKOFF_S) - 1)]


async def with_retries(
    provider: str,
    host: str,
    attempt: Callable[[], Awaitable[Result]],
    attempts: int = ATTEMPTS,
    timeout_s: float = ATTEMPT_TIMEOUT_S,
) -> Result:
    """The result of `attempt`, tried up to `attempts` times; ReplyFailed at the end.

    `attempt` raises SendError for what the provider answered; a timeout counts as a
    failure that may succeed later.
    """
    for number in range(1, attempts + 1):
        try:
            return await asyncio.wait_for(attempt(), timeout_s)
        except asyncio.TimeoutError:
            error = SendError("timeout")
        except SendError as refused:
            error = refused
        last = number == attempts or not error.retry
        logger.warning(
            "channel.send.failed",
            provider=provider,
            host=host,
            reason=error.reason,
            attempt=number,
            retrying=not last,
        )
        if last:
            raise ReplyFailed(f"{provider}: {error.reason}")
        await asyncio.sleep(pause_before(number, error))
    raise AssertionError("unreachable")
