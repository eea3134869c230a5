"""Messaging apps' messages handled after the webhook has answered.

A provider waits a few seconds for its webhook's answer (Twilio 15 s) and sends
the message again when it does not come. So a webhook answers as soon as the
request is authenticated and seen for the first time, and the turn runs here, in
the background: one conversation's messages one after the other, in the order they
came (the reply "2" is read against the buttons of the answer before it), different
conversations side by side. Rasa's own lock store still serialises each
conversation's turns across servers. At shutdown, turns under way are given
DRAIN_S seconds to end.
"""

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import structlog

from bot.channels.identity import short_hash

DRAIN_S = 10.0

logger = structlog.get_logger()


class Turns:
    """Background turns, serialised per conversation."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._waiting: dict[str, int] = {}
        self._tasks: set[asyncio.Task] = set()

    def start(self, conversation: str, turn: Callable[[], Awaitable[None]]) -> None:
        """Run `turn` after the conversation's earlier turns; returns at once."""
        self.detach(self._run(conversation, turn))

    def detach(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` (a typing indicator, a note) in the background, kept until it ends."""
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, conversation: str, turn: Callable[[], Awaitable[None]]) -> None:
        lock = self._locks.setdefault(conversation, asyncio.Lock())
        self._waiting[conversation] = self._waiting.get(conversation, 0) + 1
        try:
            async with lock:
                await turn()
        except Exception:  # the turn's own failures are handled in it; never lose the loop
            logger.exception("channel.turn.failure", conversation=short_hash(conversation))
        finally:
            self._waiting[conversation] -= 1
            if not self._waiting[conversation]:
                del self._waiting[conversation], self._locks[conversation]

    async def drain(self, timeout_s: float = DRAIN_S) -> None:
        """Wait for the turns under way, at most `timeout_s` seconds."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout_s)
