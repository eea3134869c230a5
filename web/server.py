"""Serving the web app: aiohttp's server, plus a deadline for a request's headers.

aiohttp waits for ever for the headers of a connection's first request, so a
client sending them a byte at a time (slowloris) holds a connection as long as
it likes. Here a connection whose first request's headers are not complete
within HEADER_TIMEOUT_S is closed. Later requests on a kept-alive connection
are bounded by aiohttp's keep-alive timeout between requests.
"""

import asyncio
import signal
from typing import Any

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

HEADER_TIMEOUT_S = 10.0


class HeaderDeadlineHandler(RequestHandler):
    """aiohttp's connection handler, closed when the first request's headers are late."""

    def __init__(self, *args: Any, header_timeout_s: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timeout_s = header_timeout_s
        self._header_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self._header_deadline = self._loop.call_later(self._header_timeout_s, self._too_slow)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._header_deadline is not None and self._request_count:  # headers complete
            self._cancel_deadline()

    def connection_lost(self, exc: BaseException | None) -> None:
        self._cancel_deadline()
        super().connection_lost(exc)

    def _cancel_deadline(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _too_slow(self) -> None:
        self._header_deadline = None
        if self.transport is not None and not self._request_count:
            self.transport.close()


class _DeadlineServer:
    """aiohttp's server (the protocol factory) making HeaderDeadlineHandler connections."""

    def __init__(self, server: web.Server, header_timeout_s: float) -> None:
        self._server = server
        self._header_timeout_s = header_timeout_s

    def __call__(self) -> RequestHandler:
        return HeaderDeadlineHandler(
            self._server,
            loop=self._server._loop,
            header_timeout_s=self._header_timeout_s,
            **self._server._kwargs,
        )

    def __getattr__(self, name: str) -> Any:
        return getattr(self._server, name)


class _Runner(web.AppRunner):
    """An AppRunner whose connections get the header deadline."""

    def __init__(self, app: web.Application, header_timeout_s: float) -> None:
        super().__init__(app, access_log=None)
        self._header_timeout_s = header_timeout_s

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        return _DeadlineServer(server, self._header_timeout_s)  # type: ignore[return-value]


async def start(
    app: web.Application, host: str, port: int, header_timeout_s: float = HEADER_TIMEOUT_S
) -> web.AppRunner:
    """Start serving `app` (stop it with `await runner.cleanup()`)."""
    runner = _Runner(app, header_timeout_s)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    return runner


def serve(app: web.Application, host: str, port: int) -> None:
    """Serve `app` until Ctrl-C or SIGTERM, then close it cleanly."""

    async def main() -> None:
        runner = await start(app, host, port)
        stop = asyncio.Event()
        for signal_number in (signal.SIGINT, signal.SIGTERM):
            asyncio.get_running_loop().add_signal_handler(signal_number, stop.set)
        try:
            await stop.wait()
        finally:
            await runner.cleanup()

    asyncio.run(main())
