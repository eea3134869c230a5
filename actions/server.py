"""The action server: rasa-sdk's, answering only Rasa, and silent about the person on errors.

- Every call must carry the token shared with Rasa (CLEA_ACTIONS_TOKEN, sent by
  Rasa in the X-Clea-Actions-Token header, bot/endpoints*.yml); others get 403.
- rasa-sdk's own error handler logs the request and sends the whole
  conversation back in its 500 answer, which Rasa then logs: ours logs the
  action's name and the error's type, and answers without the conversation.
- Logs are scrubbed of personal data (bot/log_privacy.py).

Usage: python -m actions.server --port 5055   (host: SANIC_HOST, default 127.0.0.1)
"""

import argparse
import hmac
import logging

from rasa_sdk import utils
from rasa_sdk.endpoint import create_app
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import log_privacy
from settings import current

TOKEN_HEADER = "X-Clea-Actions-Token"
TOKEN_VARIABLE = "CLEA_ACTIONS_TOKEN"
logger = logging.getLogger(__name__)


def action_server(token: str) -> Sanic:
    """rasa-sdk's app for the `actions` package, with the token check and quiet errors."""
    app = create_app("actions", cors_origins=[])

    @app.middleware("request")
    async def require_token(request: Request) -> HTTPResponse | None:
        if request.path == "/health":
            return None
        given = request.headers.get(TOKEN_HEADER) or ""
        if not hmac.compare_digest(given.encode(), token.encode()):
            return response.json({"error": "forbidden"}, status=403)
        return None

    async def failed(request: Request, exception: Exception) -> HTTPResponse:
        try:
            body = request.json
        except Exception:  # not JSON: nothing to name
            body = None
        body = body if isinstance(body, dict) else {}
        action = str(body.get("next_action", "?"))[:64]
        logger.error("Action %s failed: %s", action, type(exception).__name__)
        return response.json({"error": "action failed", "action_name": action}, status=500)

    app.error_handler.add(Exception, failed)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    settings = current()
    parser.add_argument("--port", type=int, default=settings.actions_port)
    port = parser.parse_args().port
    token = settings.secret("actions_token")
    if not token:
        raise SystemExit(f"{TOKEN_VARIABLE} is not set: start the assistant with `make run`.")
    utils.configure_colored_logging("INFO")
    utils.update_sanic_log_level()
    log_privacy.install()
    host = settings.actions_host
    logger.info("Action server on http://%s:%s", host, port)
    action_server(token).run(host, port, workers=1, access_log=False)


if __name__ == "__main__":
    main()
