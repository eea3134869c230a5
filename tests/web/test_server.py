"""The web app's server closes a connection whose request headers come too slowly."""

import asyncio

from aiohttp import web

from harness.processes import free_port
from web.server import start


async def _exchange(port: int, chunks: list[bytes], pause_s: float) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for chunk in chunks:
            writer.write(chunk)
            await writer.drain()
            await asyncio.sleep(pause_s)
        return await asyncio.wait_for(reader.read(), timeout=5)
    except ConnectionError:
        return b""
    finally:
        writer.close()


async def _ok(request: web.Request) -> web.Response:
    return web.Response(text="ok")


def test_slow_headers_are_cut_off_and_normal_requests_served():
    async def main() -> tuple[bytes, bytes]:
        app = web.Application()
        app.router.add_get("/", _ok)
        port = free_port()
        runner = await start(app, "127.0.0.1", port, header_timeout_s=0.5)
        try:
            request = b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            normal = await _exchange(port, [request], 0)
            slow = await _exchange(port, [bytes([byte]) for byte in request[:30]], 0.05)
            return normal, slow
        finally:
            await runner.cleanup()

    normal, slow = asyncio.run(main())
    assert normal.startswith(b"HTTP/1.1 200") and normal.endswith(b"ok")
    assert slow == b""  # closed after 0.5 s, before the headers were complete
