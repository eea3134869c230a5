"""What the web widget draws beside the text (the quiz's progress bar and result bars).

An action sends it as a custom message, `{DISPLAY_KEY: {"kind": ..., ...}}`, before the
text it goes with. The website's channels pass it to the widget; the messaging apps,
whose texts already say the same in words, never receive it (bot/channels/delivery.py).
"""

from typing import Any

DISPLAY_KEY = "clea_display"
WEB_CHANNELS = frozenset({"socketio", "rest"})  # the widget's channels


def display(kind: str, **data: Any) -> dict[str, Any]:
    """A custom message for the widget: `kind` ("progress", "quiz_result") and its data."""
    return {DISPLAY_KEY: {"kind": kind, **data}}
