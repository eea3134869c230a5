"""The web application on one port (CLEA_WEB_PORT, default 8080): public page and staff console."""

import asyncio
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web
from aiohttp_session import setup as setup_sessions
from aiohttp_session.cookie_storage import EncryptedCookieStorage

from bot import log_privacy
from bot.channels.identity import secret_key
from dossiers.repository import Repository
from dossiers.retention import run_every_day
from referentiel import load_referentiel
from settings import current
from speech.synthesis import Speaker
from web.console import LIMITER, REPOSITORY, routes
from web.dashboard import SHOWN_FIGURES
from web.dashboard import routes as dashboard_routes
from web.listen import setup_listening
from web.public import add_rate_limits, widget_bundle
from web.public import routes as public_routes
from web.result_mail import setup_result_mail
from web.security import LoginLimiter
from web.server import serve

TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")
# The console's CSS framework (npm, pinned in package-lock.json).
PICO = Path(__file__).resolve().parent.parent / "node_modules" / "@picocss" / "pico" / "css"
SESSION_HOURS = 8
HEALTH_TIMEOUT_S = 3


# `data:` images only: the console's CSS framework draws its small icons (a select's
# arrow) as inline SVG images. `blob:` sounds only: the widget plays the audio it fetched
# from /chat/audio. No inline script or style anywhere.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; media-src 'self' blob:; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'"
)


def _add_security_headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.path.startswith("/console"):  # personal data and one-time passwords
        response.headers["Cache-Control"] = "no-store"


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """The security headers on every answer as it starts: pages, streamed exports, redirects
    and errors."""
    _add_security_headers(request, response)


async def health(request: web.Request) -> web.Response:
    """The web app answers (200), and whether its pre-dossier store does: for supervision
    and load balancers (the public page works without the store, the console does not)."""
    try:
        store = await asyncio.wait_for(
            asyncio.to_thread(request.app[REPOSITORY].reachable), HEALTH_TIMEOUT_S
        )
    except asyncio.TimeoutError:
        store = False
    return web.json_response(
        {"status": "ok", "store": "ok" if store else "unavailable"},
        headers={"Cache-Control": "no-store"},
    )


def create_app(
    repository: Repository,
    key: bytes,
    secure_cookies: bool = False,
    limiter: LoginLimiter | None = None,
    speaker: Speaker | None = None,
) -> web.Application:
    """The web app; the console's login limiter from the environment and the voice's cache
    under var/audio unless given."""
    app = web.Application()
    app.on_response_prepare.append(security_headers)
    app[REPOSITORY] = repository
    app[LIMITER] = limiter or LoginLimiter.from_settings()
    app[SHOWN_FIGURES] = {}
    setup_sessions(
        app,
        EncryptedCookieStorage(
            key,
            cookie_name="clea_console",
            httponly=True,
            samesite="Strict",
            secure=secure_cookies,
            max_age=SESSION_HOURS * 3600,
        ),
    )
    aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html"]),
    )
    app.add_routes(routes)
    app.add_routes(dashboard_routes)
    app.add_routes(public_routes)
    app.router.add_get("/health", health)
    setup_listening(app, speaker)
    setup_result_mail(app)
    add_rate_limits(app)
    app.router.add_static("/static", STATIC)
    app.router.add_static("/vendor/pico", PICO)
    return app


def main() -> None:
    widget_bundle()  # fails early, with the fix, when the npm packages are missing
    repository = Repository.from_settings()
    repository.migrate()
    repository.sync_antennes(load_referentiel())
    settings = current()
    print(f"==> Public page on http://localhost:{settings.web_port}/ and staff console on /console")
    log_privacy.install()
    app = create_app(repository, secret_key(), settings.secure_cookies)
    app.cleanup_ctx.append(_retention_every_day)
    serve(app, host=settings.web_host, port=settings.web_port)


async def _retention_every_day(app: web.Application):
    """Delete what is kept too long, once a day, while the web app runs (dossiers/retention.py)."""
    task = asyncio.create_task(run_every_day(app[REPOSITORY]))
    yield
    task.cancel()


if __name__ == "__main__":
    main()
