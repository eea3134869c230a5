"""The assistant on one machine (`make run`): the action server, the web app and the Rasa
server, each logging to its own file under var/log/, then a short banner.

Usage: python -m deploy.embedded            start, and stay until Ctrl-C
       python -m deploy.embedded --shell    chat with the assistant in the terminal

Rasa and the action server listen on 127.0.0.1 only: people reach the assistant through
the web app. A server that stops on its own is started again (after 5 s, then up to
60 s), while the others go on serving: the widget apologises meanwhile. Ctrl-C stops
them all. Settings come from settings.py.
"""

import argparse
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bot.channels.credentials import credentials_text, enabled_apps
from harness.processes import wait_until_serving
from settings import Settings, current, environment, messaging_variables

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
MODEL = ROOT / "models" / "clea.tar.gz"
CREDENTIALS = ROOT / "var" / "credentials.yml"
FIRST_RESTART_DELAY_S, LONGEST_RESTART_DELAY_S = 5, 60
POLL_S = 1.0


@dataclass
class Server:
    """One of the assistant's processes: how to start it and where it says it serves."""

    name: str
    title: str  # as the person starting it reads it
    command: list[str]
    health_url: str
    log: Path
    process: subprocess.Popen | None = None
    restart_delay_s: float = FIRST_RESTART_DELAY_S
    restart_at: float | None = None

    def start(self, env: dict[str, str]) -> None:
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                self.command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()


def shown(path: Path) -> str:
    """`path` as a person types it from the project's folder."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def rasa_command(settings: Settings, command: str = "run") -> list[str]:
    return [
        str(BIN / "python"),
        "-m",
        "bot.server",
        command,
        "--model",
        str(MODEL),
        "--endpoints",
        "bot/endpoints.yml",
        "--credentials",
        str(CREDENTIALS),
        "--interface",
        "127.0.0.1",
        "--port",
        str(settings.rasa_port),
    ]


def servers(settings: Settings) -> list[Server]:
    """The action server, the web app and the Rasa server, in the order they start."""
    python, logs = str(BIN / "python"), settings.log_dir
    actions_port, web_port, rasa_port = (
        settings.actions_port,
        settings.web_port,
        settings.rasa_port,
    )
    return [
        Server(
            "actions",
            "action server",
            [python, "-m", "actions.server", "--port", str(actions_port)],
            f"http://127.0.0.1:{actions_port}/health",
            logs / "actions.log",
        ),
        Server(
            "web",
            "web app",
            [python, "-m", "web.app"],
            f"http://127.0.0.1:{web_port}/health",
            logs / "web.log",
        ),
        Server(
            "rasa",
            "Rasa server",
            rasa_command(settings),
            f"http://127.0.0.1:{rasa_port}/webhooks/rest/",
            logs / "rasa.log",
        ),
    ]


def server_environment(settings: Settings) -> dict[str, str]:
    """The servers' environment: the token Rasa shows the action server (a new one at each
    start unless set), where Rasa finds the actions and keeps the conversations."""
    return environment(
        PYTHONPATH=str(ROOT),
        RASA_TELEMETRY_ENABLED="false",
        CLEA_ACTIONS_TOKEN=settings.secret("actions_token") or secrets.token_hex(32),
        ACTION_ENDPOINT_URL=settings.action_endpoint_url,
        TRACKER_DB_PATH=settings.tracker_db_path,
    )


def write_credentials() -> str:
    """var/credentials.yml for the channels the settings enable; which messaging apps."""
    variables = messaging_variables()
    text, warnings = credentials_text(variables)
    for warning in warnings:
        print(f"    WARNING: {warning}", flush=True)
    CREDENTIALS.write_text(text, encoding="utf-8")
    enabled = [app.label for app in enabled_apps(variables)[0]]
    return f"messaging apps: {', '.join(enabled) if enabled else 'none'}"


def banner(settings: Settings, channels: str) -> str:
    web = f"http://localhost:{settings.web_port}"
    logs = f"{shown(settings.log_dir)}/ (rasa.log, actions.log, web.log)"
    lines = [
        "The CléA assistant is ready.",
        f"  Public page and chat   {web}/",
        f"  Staff console          {web}/console",
        f"  Rasa (local REST)      http://127.0.0.1:{settings.rasa_port}/webhooks/rest/webhook",
        f"  Channels               website (REST, socket.io); {channels}",
        f"  Logs                   {logs}",
        "  Ctrl-C stops everything.",
    ]
    rule = "=" * 72
    return "\n".join([rule, *lines, rule])


def start_all(running: list[Server], env: dict[str, str]) -> None:
    for server in running:
        print(f"==> Starting the {server.title} (log: {shown(server.log)})", flush=True)
        server.start(env)
    for server in running:
        if server.name == "rasa":
            print("==> Loading the model in the Rasa server (about a minute)", flush=True)
        assert server.process is not None
        seconds = wait_until_serving(server.health_url, server.process, server.log)
        print(f"    the {server.title} serves ({seconds:.0f} s)", flush=True)


def supervise(running: list[Server], env: dict[str, str]) -> None:
    """Start again, with a growing delay, any server that stops on its own."""
    while True:
        time.sleep(POLL_S)
        now = time.monotonic()
        for server in running:
            assert server.process is not None
            status = server.process.poll()
            if status is None or (server.restart_at is not None and now < server.restart_at):
                continue
            if server.restart_at is None:
                print(
                    f"==> The {server.title} stopped (exit {status}; "
                    f"{shown(server.log)}); the others still run. "
                    f"Starting it again in {server.restart_delay_s:.0f} s.",
                    flush=True,
                )
                server.restart_at = now + server.restart_delay_s
                server.restart_delay_s = min(server.restart_delay_s * 2, LONGEST_RESTART_DELAY_S)
                continue
            server.restart_at = None
            print(f"==> Starting the {server.title} again", flush=True)
            server.start(env)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shell", action="store_true", help="chat in the terminal")
    shell = parser.parse_args(argv).shell
    settings = current()
    settings.log_dir.mkdir(parents=True, exist_ok=True)
    env = server_environment(settings)
    channels = write_credentials()
    every = servers(settings)
    running = every[:2] if shell else every
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        start_all(running, env)
        if shell:
            print("==> Starting the terminal chat (about a minute to load the model)", flush=True)
            return subprocess.run(rasa_command(settings, "shell"), cwd=ROOT, env=env).returncode
        print(banner(settings, channels), flush=True)
        supervise(running, env)
    except KeyboardInterrupt:
        print("\n==> Stopping", flush=True)
    finally:
        for server in reversed(running):
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
