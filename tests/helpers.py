"""Helpers shared by the tests: talking to the real servers (harness/servers.py)."""

import json
import warnings

import requests
from rasa.shared.core.domain import Domain

from harness.servers import ROOT, Servers, new_sender

REQUEST_TIMEOUT_S = 30


def post(servers: Servers, body: bytes | str, content_type: str = "application/json"):
    data = body.encode("utf-8") if isinstance(body, str) else body
    return requests.post(
        servers.webhook,
        data=data,
        headers={"Content-Type": content_type},
        timeout=REQUEST_TIMEOUT_S,
    )


def say(servers: Servers, text: str, sender: str | None = None) -> list[dict]:
    """Send a message (as a new conversation unless a sender is given); the answers."""
    response = post(servers, json.dumps({"sender": sender or new_sender(), "message": text}))
    assert response.status_code == 200, response.text
    return response.json()


def texts(messages: list[dict]) -> str:
    """The texts of the assistant's messages, one per line."""
    return "\n".join(m.get("text", "") for m in messages)


def project_domain() -> Domain:
    """The project's domain (bot/domain), loaded as Rasa loads it, without pykwalify's
    known warning (it loads its extensions with `load_module`)."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message=r"the load_module\(\) method", category=DeprecationWarning
        )
        return Domain.load(str(ROOT / "bot" / "domain"))
