"""Who is calling: the client's address, behind our nginx or not."""

from aiohttp import web

from settings import current


def trusted_proxies() -> frozenset[str]:
    """CLEA_TRUSTED_PROXIES: the addresses of our own nginx (comma-separated)."""
    value = current().trusted_proxies
    return frozenset(address.strip() for address in value.split(",") if address.strip())


def client_address(request: web.Request) -> str:
    """The client's address: the one our nginx appended to X-Forwarded-For when the
    request comes from it, else the peer's own (a client cannot choose it)."""
    peer = request.remote or "unknown"
    forwarded = request.headers.get("X-Forwarded-For")
    if forwarded and peer in trusted_proxies():
        return forwarded.split(",")[-1].strip() or peer
    return peer
