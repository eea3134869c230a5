"""Which web origins may talk to the assistant: CLEA_ALLOWED_ORIGINS, comma-separated.

The default is the web app on localhost:8080. The list must hold the public
page's own address and every site that embeds the widget.
"""

from settings import current


def allowed_origins() -> frozenset[str]:
    value = current().allowed_origins
    return frozenset(origin.strip().rstrip("/") for origin in value.split(",") if origin.strip())


def origin_allowed(origin: str | None, allowed: frozenset[str]) -> bool:
    return origin is not None and origin.rstrip("/") in allowed
