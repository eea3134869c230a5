"""/chat/result-email: the quiz result, sent by e-mail to the address the person types
under it in the widget. Only when SMTP is set (dossiers/notify.py).

The text is ours, from referentiel/ (clea.yml `emails`, the domains, quiz.yml's levels):
the request only names the level of each domain, checked against the quiz's levels, and
the address. Each client may send a few per hour (RESULT_MAILS_PER_HOUR).
"""

import asyncio

from aiohttp import web

from bot.channels.limits import RateLimit
from dossiers.notify import SmtpSettings, message, send
from referentiel import load_referentiel
from referentiel.contact import email_address
from referentiel.quiz import load_quiz
from web.clients import client_address
from web.public import TOO_FAST, cors_headers, widget_request

RESULT_MAILS_PER_HOUR = 5
RESULT_MAIL_RATE = web.AppKey("result_mail_rate", RateLimit)
routes = web.RouteTableDef()


def setup_result_mail(app: web.Application) -> None:
    app[RESULT_MAIL_RATE] = RateLimit(RESULT_MAILS_PER_HOUR, 3600)
    app.add_routes(routes)


def result_values(levels: dict[int, str | None]) -> dict[str, str]:
    """What fills the e-mail (clea.yml `result_body`) for the level of each domain
    (None: no level)."""
    ref, quiz = load_referentiel(), load_quiz()
    labels = {level.id: level.label for level in quiz.levels}
    lines = "\n".join(
        f"{domain.id}. {domain.short} : "
        f"{labels.get(levels.get(domain.id) or '', quiz.no_level_label)}"
        for domain in ref.domains
    )
    meanings = "\n".join(f"{level.label.capitalize()} : {level.meaning}" for level in quiz.levels)
    return {"levels": lines, "meanings": meanings, "phone": ref.organisation.phone}


def _levels(payload: dict) -> dict[int, str | None] | None:
    """The level of each domain the request names, None when it names anything else."""
    known = {level.id for level in load_quiz().levels}
    domains = {domain.id for domain in load_referentiel().domains}
    levels = payload.get("levels")
    if not isinstance(levels, dict):
        return None
    try:
        read = {int(domain): level for domain, level in levels.items()}
    except (TypeError, ValueError):
        return None
    if not set(read) <= domains or not all(
        level is None or level in known for level in read.values()
    ):
        return None
    return read


@routes.post("/chat/result-email")
async def result_email(request: web.Request) -> web.Response:
    """Send the result; a polite JSON answer either way."""
    payload = await widget_request(request, "email")
    if isinstance(payload, web.Response):
        return payload
    headers = cors_headers(request)
    settings = SmtpSettings.from_settings()
    if settings is None:
        return web.json_response(
            {"error": "L'envoi par e-mail n'est pas disponible."}, status=404, headers=headers
        )
    address, levels = email_address(payload["email"]), _levels(payload)
    if address is None:
        return web.json_response(
            {"error": "Cette adresse e-mail n'est pas valide."}, status=400, headers=headers
        )
    if levels is None:
        return web.json_response({"error": "Requête illisible."}, status=400, headers=headers)
    if not request.app[RESULT_MAIL_RATE].allow(client_address(request)):
        return web.json_response({"error": TOO_FAST}, status=429, headers=headers)
    texts = load_referentiel().emails
    mail = message(
        settings.sender, address, texts.result_subject, texts.result_body, result_values(levels)
    )
    if not await asyncio.to_thread(send, [mail], settings):
        return web.json_response(
            {"error": "L'e-mail n'est pas parti. Réessayez plus tard."}, status=503, headers=headers
        )
    return web.json_response({"sent": True}, headers=headers)
