"""The web application on one port (CLEA_WEB_PORT, default 8080): public page and staff console."""

import hashlib
import os
import secrets
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web
from aiohttp_session import setup as setup_sessions
from aiohttp_session.cookie_storage import EncryptedCookieStorage

from dossiers.db import ROOT
from dossiers.repository import Repository
from referentiel import load_referentiel
from web.console import LIMITER, REPOSITORY, routes
from web.public import routes as public_routes, widget_bundle
from web.security import LoginLimiter

TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")
KEY_FILE = ROOT / "var" / "console.key"
SESSION_HOURS = 8


def secret_key() -> bytes:
    """32 bytes from CLEA_SECRET_KEY, or a random key kept in var/console.key."""
    configured = os.environ.get("CLEA_SECRET_KEY")
    if configured:
        return hashlib.sha256(configured.encode()).digest()
    if not KEY_FILE.exists():
        KEY_FILE.parent.mkdir(parents=True, exist_ok=True)
        KEY_FILE.write_bytes(secrets.token_bytes(32))
        KEY_FILE.chmod(0o600)
    return KEY_FILE.read_bytes()


@web.middleware
async def security_headers(request: web.Request, handler) -> web.StreamResponse:
    response = await handler(request)
    response.headers.setdefault("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def create_app(repository: Repository, key: bytes, secure_cookies: bool = False) -> web.Application:
    app = web.Application(middlewares=[security_headers])
    app[REPOSITORY] = repository
    app[LIMITER] = LoginLimiter()
    setup_sessions(
        app,
        EncryptedCookieStorage(
            key, cookie_name="clea_console", httponly=True, samesite="Strict",
            secure=secure_cookies, max_age=SESSION_HOURS * 3600,
        ),
    )
    aiohttp_jinja2.setup(
        app, loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=jinja2.select_autoescape(["html"])
    )
    app.add_routes(routes)
    app.add_routes(public_routes)
    app.router.add_static("/static", STATIC)
    return app


def main() -> None:
    widget_bundle()  # fails early, with the fix, when the npm packages are missing
    repository = Repository.from_environment()
    repository.migrate()
    repository.sync_antennes(load_referentiel())
    port = int(os.environ.get("CLEA_WEB_PORT", "8080"))
    print(f"==> Public page on http://localhost:{port}/ and staff console on /console")
    web.run_app(
        create_app(repository, secret_key(), os.environ.get("CLEA_SECURE_COOKIES") == "1"),
        host=os.environ.get("CLEA_WEB_HOST", "0.0.0.0"), port=port, print=None,
    )


if __name__ == "__main__":
    main()
