"""How much one client or one conversation may send: rates and the conversation size cap."""

import time
from collections import defaultdict, deque

# A conversation past this many messages of the person is answered with a polite note
# (the erasure flow still works): nobody reads further, and the store must not grow for ever.
MAX_CONVERSATION_MESSAGES = 600
# What a full conversation still accepts: the erasure, its confirmation and its refusal.
ERASURE_PAYLOADS = frozenset({"/delete_my_data", "/affirm", "/deny"})


class RateLimit:
    """At most `count` events per key in `window_s` seconds, counted in this process."""

    def __init__(self, count: int, window_s: float) -> None:
        self.count = count
        self.window_s = window_s
        self._events: dict[str, deque] = defaultdict(deque)

    def allow(self, key: str) -> bool:
        """Count one event for `key`; False when it is over the limit (not counted then)."""
        now = time.monotonic()
        events = self._events[key]
        while events and events[0] <= now - self.window_s:
            events.popleft()
        if len(events) >= self.count:
            return False
        events.append(now)
        if len(self._events) > 100_000:  # keys of clients gone quiet
            self._forget_idle(now)
        return True

    def _forget_idle(self, now: float) -> None:
        for key in [
            key
            for key, events in self._events.items()
            if not events or events[-1] <= now - self.window_s
        ]:
            del self._events[key]
