"""The real action server, Rasa server and web app on free ports, with a secret and a
token of their own (known to the caller), for the tests and the benchmark."""

import hashlib
import subprocess
import sys
import uuid
from pathlib import Path

from bot.channels.credentials import MESSAGING_APPS
from bot.channels.identity import issue_web_id
from harness.processes import free_port, wait_until_serving
from settings import environment

ROOT = Path(__file__).resolve().parent.parent
RASA = Path(sys.executable).parent / "rasa"
MODEL = ROOT / "models" / "clea.tar.gz"
# The servers' secret and the action server's token, known to the tests too.
SECRET = uuid.uuid4().hex
ACTIONS_TOKEN = uuid.uuid4().hex
MESSAGING_VARIABLES = {
    variable
    for app in MESSAGING_APPS
    for variable in [*app.required.values(), *app.optional.values()]
}


def rasa_env(**extra: str) -> dict[str, str]:
    """Environment for Rasa commands run from the project root."""
    env = environment(
        PYTHONPATH=str(ROOT),
        RASA_TELEMETRY_ENABLED="false",
        CLEA_SECRET_KEY=SECRET,
        CLEA_ACTIONS_TOKEN=ACTIONS_TOKEN,
    )
    env.update(extra)
    return env


SECRET_KEY = hashlib.sha256(SECRET.encode()).digest()  # as bot/channels/identity.py derives it


def new_sender() -> str:
    """A website conversation id, issued as the web app issues them."""
    return issue_web_id(SECRET_KEY)


class Servers:
    """The real action server and Rasa server, started for the test session."""

    def __init__(
        self,
        workdir: Path,
        model: Path,
        actions_port: int | None = None,
        messaging_env: dict[str, str] | None = None,
    ) -> None:
        """`actions_port`: an action server already running; `messaging_env`: the
        messaging apps' variables (the caller's own are never passed on)."""
        self.actions_port = actions_port or free_port()
        self.rasa_port = free_port()
        self.web_port = free_port()
        self.partner_port = free_port()  # another site, allowed to embed the widget
        self.workdir = workdir
        self.env = rasa_env(
            CLEA_ALLOWED_ORIGINS=f"{self.web_origin},{self.partner_origin}",
            ACTION_ENDPOINT_URL=f"http://127.0.0.1:{self.actions_port}/webhook",
            TRACKER_DB_PATH=str(workdir / "trackers.db"),
            CLEA_DATABASE_URL=f"sqlite:///{workdir / 'dossiers.db'}",
            ACTIONS_HOST="127.0.0.1",
        )
        for variable in MESSAGING_VARIABLES:
            self.env.pop(variable, None)
        self.env.update(messaging_env or {})
        self.model = model
        self.processes: list[subprocess.Popen] = []
        self.web_url: str | None = None

    @property
    def web_origin(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def partner_origin(self) -> str:
        return f"http://127.0.0.1:{self.partner_port}"

    @property
    def webhook(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}/webhooks/rest/webhook"

    def _start(
        self, name: str, args: list[str], health_url: str, env: dict[str, str] | None = None
    ) -> subprocess.Popen:
        log = self.workdir / f"{name}.log"
        process = subprocess.Popen(
            args,
            cwd=ROOT,
            env={**self.env, **(env or {})},
            stdout=log.open("a"),  # a restarted server adds to its log: a whole run is kept
            stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        wait_until_serving(health_url, process, log)
        return process

    def start(self) -> None:
        self.start_actions()
        self.start_rasa()

    def start_actions(self, **env: str) -> None:
        """Start the action server, with `env` added to the servers' environment."""
        self.actions = self._start(
            "actions",
            [sys.executable, "-m", "actions.server", "--port", str(self.actions_port)],
            f"http://127.0.0.1:{self.actions_port}/health",
            env,
        )

    def stop_actions(self) -> None:
        """Stop the action server (start_actions brings it back on the same port)."""
        self.processes.remove(self.actions)
        self.actions.terminate()
        self.actions.wait(timeout=60)

    def start_console(self) -> str:
        """Start the web app (public page and staff console) on a free port, once; its URL."""
        if self.web_url is not None:
            return self.web_url
        port = self.web_port
        log = self.workdir / "console.log"
        process = subprocess.Popen(
            [sys.executable, "-m", "web.app"],
            cwd=ROOT,
            env={
                **self.env,
                "CLEA_WEB_PORT": str(port),
                "CLEA_WEB_HOST": "127.0.0.1",
                "CLEA_RASA_URL": f"http://127.0.0.1:{self.rasa_port}",
            },
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        wait_until_serving(f"http://127.0.0.1:{port}/console/login", process, log)
        self.web_url = f"http://127.0.0.1:{port}"
        return self.web_url

    def restart_rasa(self) -> None:
        """Stop the Rasa server and start a new one on the same port and tracker store."""
        self.processes.remove(self.rasa)
        self.rasa.terminate()
        self.rasa.wait(timeout=60)
        self.start_rasa()

    def start_rasa(
        self, endpoints: Path = ROOT / "bot" / "endpoints.yml", credentials: Path | None = None
    ) -> None:
        """Start our Rasa server (bot/server.py) with the channels its environment enables
        (bot/channels/credentials.py), or Rasa's own with other `endpoints` and
        `credentials` (the benchmark's stock Rasa)."""
        command = [str(RASA)] if credentials else [sys.executable, "-m", "bot.server"]
        if credentials is None:
            credentials = self.workdir / "credentials.yml"
            subprocess.run(
                [sys.executable, "-m", "bot.channels.credentials", str(credentials)],
                cwd=ROOT,
                env=self.env,
                check=True,
                capture_output=True,
            )
        self.rasa = self._start(
            "rasa",
            [
                *command,
                "run",
                "--model",
                str(self.model),
                "--endpoints",
                str(endpoints),
                "--credentials",
                str(credentials),
                "--interface",
                "127.0.0.1",
                "--port",
                str(self.rasa_port),
            ],
            f"http://127.0.0.1:{self.rasa_port}/webhooks/rest/",
        )

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
