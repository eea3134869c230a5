"""Which web origins may talk to the assistant: CLEA_ALLOWED_ORIGINS, comma-separated.

The default is the web app on localhost:8080. The list must hold the public
page's own address and every site that embeds the widget.
"""

import os
from typing import Optional

DEFAULT_ORIGINS = "http://localhost:8080,http://127.0.0.1:8080"


def allowed_origins() -> frozenset[str]:
    value = os.environ.get("CLEA_ALLOWED_ORIGINS") or DEFAULT_ORIGINS
    return frozenset(origin.strip().rstrip("/") for origin in value.split(",") if origin.strip())


def origin_allowed(origin: Optional[str], allowed: frozenset[str]) -> bool:
    return bool(origin) and origin.rstrip("/") in allowed
