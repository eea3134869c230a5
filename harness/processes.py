"""Waiting for a server, and the machine's ports."""

import socket
import subprocess
import time
from pathlib import Path

import requests

START_TIMEOUT_S = 240


def wait_until_serving(
    url: str,
    process: subprocess.Popen | None = None,
    log: Path | None = None,
    timeout_s: float = START_TIMEOUT_S,
) -> float:
    """Seconds until `url` answers 200; fails with the end of `log` if `process` ends first,
    or after `timeout_s`."""
    started = time.monotonic()

    def end_of_log() -> str:
        return log.read_text()[-3000:] if log is not None and log.exists() else ""

    while time.monotonic() - started < timeout_s:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{url}: the process exited early:\n{end_of_log()}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return time.monotonic() - started
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} not serving after {timeout_s:.0f} s:\n{end_of_log()}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def listening_addresses(port: int) -> set[str]:
    """The addresses a local TCP port listens on, read from /proc/net/tcp{,6}."""
    found = set()
    for table in (Path("/proc/net/tcp"), Path("/proc/net/tcp6")):
        for line in table.read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found
