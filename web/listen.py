"""/chat/audio: an assistant's message read aloud, for the widget's "Écouter" button.

The widget sends the message's text and its buttons' titles with its conversation id;
only a conversation this server issued, from an allowed origin, within the chat's rate,
gets audio (MP3); the CORS preflight is the chat's (web/public.py). Nothing is logged or
kept of a text but the audio cache (speech/).
"""

import asyncio

from aiohttp import web

from speech.synthesis import FORMATS, MAX_CHARACTERS, Speaker, SpeechUnavailable, spoken_text
from web.public import cors_headers, widget_request

SPEAKER = web.AppKey("speaker", Speaker)
# Syntheses at once per process (2 cores): more wait their turn.
SYNTHESIS_SLOTS = web.AppKey("synthesis_slots", asyncio.Semaphore)
CONCURRENT_SYNTHESES = 2
MAX_CHOICES = 20
NO_VOICE = "La lecture à voix haute ne marche pas pour le moment."
routes = web.RouteTableDef()


def setup_listening(app: web.Application, speaker: Speaker | None = None) -> None:
    app[SPEAKER] = speaker or Speaker()
    app.on_startup.append(_slots)
    app.add_routes(routes)


async def _slots(app: web.Application) -> None:
    app[SYNTHESIS_SLOTS] = asyncio.Semaphore(CONCURRENT_SYNTHESES)


def _choices(payload: dict) -> list[str] | None:
    """The titles of the message's buttons, None when they are not a short list of texts."""
    choices = payload.get("choices", [])
    if not isinstance(choices, list) or len(choices) > MAX_CHOICES:
        return None
    return choices if all(isinstance(choice, str) for choice in choices) else None


@routes.post("/chat/audio")
async def audio(request: web.Request) -> web.Response:
    """The message read aloud, as MP3; a polite JSON error otherwise."""
    payload = await widget_request(request, "text")
    if isinstance(payload, web.Response):
        return payload
    headers = cors_headers(request)
    choices = _choices(payload)
    if choices is None:
        return web.json_response({"error": "Requête illisible."}, status=400, headers=headers)
    spoken = spoken_text(payload["text"], choices)
    if not spoken.strip() or len(spoken) > MAX_CHARACTERS:
        return web.json_response(
            {"error": "Ce message ne peut pas être lu."}, status=400, headers=headers
        )
    try:
        async with request.app[SYNTHESIS_SLOTS]:
            sound = await asyncio.to_thread(request.app[SPEAKER].audio, spoken, FORMATS["mp3"])
    except SpeechUnavailable:
        return web.json_response({"error": NO_VOICE}, status=503, headers=headers)
    return web.Response(
        body=sound,
        content_type=FORMATS["mp3"].content_type,
        headers={**headers, "Cache-Control": "no-store"},
    )
