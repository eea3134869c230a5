"""The public page at /, the embeddable widget script and the two ways it reaches Rasa.

- /widget.js: socket.io-client (npm, from node_modules) followed by our
  web/static/chat.js, in one script, so another site embeds the chat with one tag.
- /socket.io/: the widget's websocket, forwarded to Rasa's socket.io channel
  (which checks the origin again); the browser thus talks to one address only.
- /chat: REST fallback, forwarded to Rasa's REST channel.
- /chat/session: a new conversation id, issued and signed here (bot/channels/identity.py);
  /chat refuses any id it did not issue.
Only the origins in CLEA_ALLOWED_ORIGINS may use the last three from a browser, and
each client (its address, web/clients.py) has a message and a new-conversation rate.
"""

import asyncio
import functools
import hashlib
from pathlib import Path

import aiohttp
import aiohttp_jinja2
from aiohttp import WSMsgType, web

from bot.channels.identity import issue_web_id, valid_web_id
from bot.channels.limits import RateLimit
from bot.channels.origins import allowed_origins, origin_allowed
from dossiers.db import ROOT
from dossiers.notify import SmtpSettings
from referentiel import load_referentiel
from settings import current
from web.clients import client_address

routes = web.RouteTableDef()
# Per client address (generous: an agency or a library shares one address).
MESSAGE_RATE = web.AppKey("message_rate", RateLimit)
SESSION_RATE = web.AppKey("session_rate", RateLimit)
CONNECTION_RATE = web.AppKey("connection_rate", RateLimit)
TOO_FAST = "Vous envoyez beaucoup de messages. Attendez une minute, puis réessayez."
UNKNOWN_CONVERSATION = "Cette conversation est terminée. Cliquez sur « Recommencer »."
RASA_TIMEOUT_S = 30
SOCKET_IO_CLIENT = ROOT / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"
CHAT_SCRIPT = Path(__file__).with_name("static") / "chat.js"
WIDGET_CACHE_S = 600
STATIC_CACHE_S = 86400
FAVICON = Path(__file__).with_name("static") / "favicon.svg"


def rasa_url() -> str:
    return current().rasa_url


def unavailable_text() -> str:
    phone = load_referentiel().organisation.phone
    return f"L'assistant ne répond pas pour le moment. Réessayez, ou appelez le {phone}."


@functools.lru_cache(maxsize=1)
def widget_bundle() -> str:
    """socket.io-client, given to our script as a local `io` (no global, no AMD), then chat.js."""
    if not SOCKET_IO_CLIENT.exists():
        raise SystemExit("socket.io-client is missing: run `make run` (it runs `npm ci`).")
    library = "\n".join(
        line
        for line in SOCKET_IO_CLIENT.read_text().splitlines()
        if not line.startswith("//# sourceMappingURL")
    )
    return "\n".join(
        [
            "(function () {",
            "var module = { exports: {} }, exports = module.exports, define;",
            library,
            "var io = module.exports;",
            CHAT_SCRIPT.read_text(),
            "}());",
        ]
    )


# The public pages, each rendered from referentiel/clea.yml: the page with the chat, the
# personal-data notice (`personal_data`), the legal notice (`organisation`, `legal_notice`)
# and the accessibility statement.
PAGES = {
    "/": "public.html",
    "/donnees-personnelles": "privacy.html",
    "/mentions-legales": "legal.html",
    "/accessibilite": "accessibility.html",
}


async def public_page(request: web.Request) -> web.Response:
    return aiohttp_jinja2.render_template(PAGES[request.path], request, {"ref": load_referentiel()})


for page_path in PAGES:
    routes.get(page_path)(public_page)


@routes.get("/favicon.svg")
@routes.get("/favicon.ico")
async def favicon(request: web.Request) -> web.Response:
    return web.Response(
        body=FAVICON.read_bytes(),
        content_type="image/svg+xml",
        headers={"Cache-Control": f"public, max-age={STATIC_CACHE_S}"},
    )


@functools.lru_cache(maxsize=1)
def widget_etag() -> str:
    return '"' + hashlib.sha256(widget_bundle().encode()).hexdigest()[:32] + '"'


@routes.get("/widget.js")
async def widget_script(request: web.Request) -> web.Response:
    """The widget, compressed when the browser accepts it, cacheable and revalidated by
    its ETag (a new version is fetched as soon as the cache time is over)."""
    headers = {
        "Cache-Control": f"public, max-age={WIDGET_CACHE_S}",
        "ETag": widget_etag(),
        "Vary": "Accept-Encoding",
    }
    if request.headers.get("If-None-Match") == widget_etag():
        return web.Response(status=304, headers=headers)
    response = web.Response(
        text=widget_bundle(), content_type="application/javascript", headers=headers
    )
    response.enable_compression()
    return response


def cors_headers(request: web.Request) -> dict[str, str]:
    origin = request.headers.get("Origin")
    if origin is None or not origin_allowed(origin, allowed_origins()):
        return {}
    return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}


def foreign(request: web.Request) -> bool:
    """A browser request from an origin that may not use the assistant."""
    origin = request.headers.get("Origin")
    return origin is not None and not origin_allowed(origin, allowed_origins())


@routes.options("/chat")
@routes.options("/chat/session")
@routes.options("/chat/audio")
@routes.options("/chat/result-email")
async def chat_preflight(request: web.Request) -> web.Response:
    headers = cors_headers(request)
    if not headers:
        return web.Response(status=403)
    return web.Response(
        status=204,
        headers={
            **headers,
            "Access-Control-Allow-Methods": "POST",
            "Access-Control-Allow-Headers": "Content-Type",
            "Access-Control-Max-Age": "600",
        },
    )


def refused(request: web.Request, limit: web.AppKey[RateLimit]) -> web.Response | None:
    """A polite refusal for a foreign site or a client over its rate, else None."""
    if foreign(request):
        return web.json_response({"error": "Ce site n'est pas autorisé."}, status=403)
    if not request.app[limit].allow(client_address(request)):
        return web.json_response({"error": TOO_FAST}, status=429, headers=cors_headers(request))
    return None


@routes.post("/chat/session")
async def new_session(request: web.Request) -> web.Response:
    """A new conversation id for the widget, signed so that nobody can make one up."""
    refusal = refused(request, SESSION_RATE)
    if refusal is not None:  # a response is a mapping: never test it for truth
        return refusal
    return web.json_response(
        {
            "sender": issue_web_id(),
            "result_by_email": SmtpSettings.from_settings() is not None,  # web/result_mail.py
        },
        headers=cors_headers(request),
    )


async def widget_request(request: web.Request, text_field: str) -> dict | web.Response:
    """The JSON body of a widget request (an allowed origin, within the chat's rate, a
    conversation id we issued, a text in `text_field`), else the polite refusal to send."""
    refusal = refused(request, MESSAGE_RATE)
    if refusal is not None:
        return refusal
    headers = cors_headers(request)
    try:
        payload = await request.json()
    except (ValueError, RecursionError):  # ValueError: JSON, integers of over 4,300 digits
        payload = None
    if not isinstance(payload, dict) or not isinstance(payload.get(text_field), str):
        return web.json_response({"error": "Requête illisible."}, status=400, headers=headers)
    if not valid_web_id(payload.get("sender")):
        return web.json_response(
            {"error": UNKNOWN_CONVERSATION, "restart": True}, status=403, headers=headers
        )
    return payload


@routes.post("/chat")
async def chat(request: web.Request) -> web.Response:
    """Forward one message of the widget to the assistant; a polite error when it is away.
    The widget's `message_id` goes along: a message sent again is answered once
    (bot/channels/rest.py)."""
    payload = await widget_request(request, "message")
    if isinstance(payload, web.Response):
        return payload
    headers = cors_headers(request)
    body = {"sender": payload["sender"], "message": payload["message"]}
    if "message_id" in payload:
        body["message_id"] = payload["message_id"]
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=RASA_TIMEOUT_S)) as http,
            http.post(f"{rasa_url()}/webhooks/rest/webhook", json=body) as response,
        ):
            return web.json_response(await response.json(), status=response.status, headers=headers)
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
        return web.json_response({"error": unavailable_text()}, status=503, headers=headers)


@routes.get("/socket.io/")
async def socket_io(request: web.Request) -> web.StreamResponse:
    """Forward the widget's socket.io websocket to Rasa, frame by frame."""
    if foreign(request) or "Origin" not in request.headers:
        return web.Response(status=403, text="Ce site n'est pas autorisé.")
    if not request.app[CONNECTION_RATE].allow(client_address(request)):
        return web.Response(status=429, text=TOO_FAST)
    if request.query.get("transport") != "websocket":
        return web.Response(status=400, text="Seul le transport websocket est accepté.")
    browser = web.WebSocketResponse()
    if not browser.can_prepare(request).ok:
        return web.Response(status=400, text="Une connexion websocket est attendue.")
    async with aiohttp.ClientSession() as http:
        try:
            rasa = await http.ws_connect(
                f"{rasa_url()}/socket.io/?{request.query_string}",
                headers={"Origin": request.headers["Origin"]},
                timeout=RASA_TIMEOUT_S,
            )
        except (aiohttp.ClientError, asyncio.TimeoutError):
            return web.Response(status=503, text=unavailable_text())
        try:
            await browser.prepare(request)
            await _relay(browser, rasa)
        finally:
            await rasa.close()
    return browser


async def _relay(browser: web.WebSocketResponse, rasa: aiohttp.ClientWebSocketResponse) -> None:
    """Copy frames both ways until either side closes, then close the other."""

    async def copy(source, target) -> None:
        async for message in source:
            if message.type == WSMsgType.TEXT:
                await target.send_str(message.data)
            elif message.type == WSMsgType.BINARY:
                await target.send_bytes(message.data)

    tasks = [asyncio.ensure_future(copy(browser, rasa)), asyncio.ensure_future(copy(rasa, browser))]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await browser.close()


def add_rate_limits(app: web.Application) -> None:
    """The chat's limits per client address, counted in this process:
    CLEA_CHAT_MESSAGES_PER_MINUTE (120), and new conversations and websockets per
    10 minutes, half as many (60)."""
    per_minute = current().chat_messages_per_minute
    app[MESSAGE_RATE] = RateLimit(per_minute, 60)
    app[SESSION_RATE] = RateLimit(max(per_minute // 2, 1), 600)
    app[CONNECTION_RATE] = RateLimit(max(per_minute // 2, 1), 600)
