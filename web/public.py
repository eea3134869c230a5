"""The public page at / and the chat endpoint its widget posts to (a proxy to Rasa's REST channel)."""

import os
import re

import aiohttp
import aiohttp_jinja2
from aiohttp import web

from referentiel import load_referentiel

routes = web.RouteTableDef()
SENDER = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
RASA_TIMEOUT_S = 30


def rasa_webhook() -> str:
    base = os.environ.get("CLEA_RASA_URL", f"http://127.0.0.1:{os.environ.get('RASA_PORT', '5005')}")
    return f"{base}/webhooks/rest/webhook"


@routes.get("/")
@aiohttp_jinja2.template("public.html")
async def public_page(request: web.Request) -> dict:
    return {"ref": load_referentiel()}


@routes.post("/chat")
async def chat(request: web.Request) -> web.Response:
    """Forward one message of the widget to the assistant; a polite error when it is away."""
    try:
        payload = await request.json()
    except ValueError:
        return web.json_response({"error": "Requête illisible."}, status=400)
    if not isinstance(payload, dict) or not SENDER.match(str(payload.get("sender", ""))) or not (
        isinstance(payload.get("message"), str)
    ):
        return web.json_response({"error": "Requête illisible."}, status=400)
    body = {"sender": f"web-{payload['sender']}", "message": payload["message"],
            "metadata": {"channel": "website"}}
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=RASA_TIMEOUT_S)) as http:
            async with http.post(rasa_webhook(), json=body) as response:
                return web.json_response(await response.json(), status=response.status)
    except (aiohttp.ClientError, TimeoutError, ValueError):
        phone = load_referentiel().organisation.phone
        return web.json_response(
            {"error": f"L'assistant ne répond pas pour le moment. Réessayez, ou appelez le {phone}."},
            status=503,
        )
