"""The scaled mode on one machine (`make run-scaled`): nginx in front of several Rasa
servers, two action servers and the web app; conversations in PostgreSQL, their locks
in Redis, pre-dossiers in PostgreSQL.

Usage: python -m deploy.scaled [--rasa-servers N]    start, under supervisord
       python -m deploy.scaled --status              what runs, since when, its restarts
       python -m deploy.scaled --reload              restart the servers one at a time
Settings come from the environment (README, "Several servers"). The processes run
under supervisord (deploy/supervisord.conf.j2, rendered here like nginx's
configuration): each is started again when it exits, and the exits are logged in
var/scaled/supervisord.log. Ctrl-C stops everything, the web app first and nginx last.

A rolling restart (`--reload`, after a new model or new code) stops each action server,
then each Rasa server, one at a time, and waits until it serves again before the next.
A server stops gracefully (it ends the requests it holds, and refuses new ones, which
nginx then gives to the others); a Rasa server binds its port only once its model is
loaded. So no request fails and every conversation goes on (trackers and locks are shared).
"""

import argparse
import json
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2

from harness.processes import wait_until_serving
from settings import current, environment
from web.public import unavailable_text

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
NGINX = "/usr/sbin/nginx"
NGINX_DRAIN_TIMEOUT_S = 20  # above worker_shutdown_timeout (deploy/nginx.conf.j2)


def _setting(name: str, make: Callable[[Any], Any] = lambda value: value) -> Any:
    """A field whose default is the setting `name` (settings.py) when the stack is made."""
    return field(default_factory=lambda: make(getattr(current(), name)))


@dataclass
class Settings:
    """Ports, databases and model of a scaled stack; defaults from settings.py."""

    workdir: Path = ROOT / "var" / "scaled"
    model: Path = ROOT / "models" / "clea.tar.gz"
    public_port: int = _setting("public_port")
    rasa_ports: list[int] = field(default_factory=lambda: [5005, 5006])
    # Two action servers behind nginx: actions go on while one restarts.
    actions_ports: list[int] = _setting("actions_port", lambda port: [port, port + 1])
    actions_lb_port: int = _setting("actions_lb_port")
    rasa_lb_port: int = _setting("rasa_lb_port")
    # Shown by Rasa to the action server on each call: a new one for each start.
    actions_token: str = field(default_factory=lambda: secrets.token_hex(32))
    web_port: int = _setting("web_port")
    pg_host: str = _setting("pg_host")
    pg_port: str = _setting("pg_port", str)
    pg_db: str = _setting("pg_db")
    pg_user: str = _setting("pg_user")
    pg_password: str = field(default_factory=lambda: current().secret("pg_password") or "")
    pg_schema: str = _setting("pg_schema")
    redis_host: str = _setting("redis_host", lambda host: host or "127.0.0.1")
    redis_port: str = _setting("redis_port", str)
    redis_db: str = _setting("redis_db", str)
    redis_prefix: str = _setting("redis_prefix")
    # The sites allowed to embed the chat: our public address unless set.
    allowed_origins: str = field(
        default_factory=lambda: (
            current().allowed_origins if current().is_set("allowed_origins") else ""
        )
    )
    # Rasa's tracker store pool per server (Rasa's defaults are 50 and 100).
    sql_pool_size: str = _setting("sql_pool_size", str)
    sql_max_overflow: str = _setting("sql_max_overflow", str)

    @property
    def public_url(self) -> str:
        return f"http://127.0.0.1:{self.public_port}"

    @property
    def database_url(self) -> str:
        """The pre-dossier store: the same PostgreSQL database and schema as the trackers."""
        password = f":{quote(self.pg_password)}" if self.pg_password else ""
        return (
            f"postgresql://{self.pg_user}{password}@{self.pg_host}:{self.pg_port}/"
            f"{self.pg_db}?options=-csearch_path%3D{self.pg_schema}"
        )

    def environment(self) -> dict[str, str]:
        origins = self.allowed_origins or (
            f"http://localhost:{self.public_port},http://127.0.0.1:{self.public_port}"
        )
        return environment(
            PYTHONPATH=str(ROOT),
            RASA_TELEMETRY_ENABLED="false",
            ACTIONS_HOST="127.0.0.1",
            **{
                "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{self.actions_lb_port}/webhook",
                "CLEA_PG_HOST": self.pg_host,
                "CLEA_PG_PORT": self.pg_port,
                "CLEA_PG_DB": self.pg_db,
                "CLEA_PG_USER": self.pg_user,
                "CLEA_PG_PASSWORD": self.pg_password,
                "CLEA_PG_OPTIONS": f"-csearch_path={self.pg_schema}",
                "CLEA_REDIS_HOST": self.redis_host,
                "CLEA_REDIS_PORT": self.redis_port,
                "CLEA_REDIS_DB": self.redis_db,
                "CLEA_REDIS_PREFIX": self.redis_prefix,
                "CLEA_DATABASE_URL": self.database_url,
                "CLEA_ALLOWED_ORIGINS": origins,
                "CLEA_TRACKER_DB_URL": self.database_url,  # the conversations, for the retention
                "CLEA_RASA_URL": f"http://127.0.0.1:{self.rasa_lb_port}",
                "CLEA_WEB_HOST": "127.0.0.1",
                "CLEA_ACTIONS_TOKEN": self.actions_token,
                "CLEA_WEB_PORT": str(self.web_port),
                "SQL_POOL_SIZE": self.sql_pool_size,
                "SQL_MAX_OVERFLOW": self.sql_max_overflow,
            },
        )


@dataclass(frozen=True)
class Program:
    """A process supervisord keeps running; `start_seconds` it must stay up to count as started."""

    name: str
    command: str
    priority: int
    start_seconds: int
    health_url: str


def nginx_string(value: str) -> str:
    """`value` inside an nginx double-quoted string (`value` holds no `$`)."""
    return value.replace("\\", "\\\\").replace('"', '\\"')


def server_health_url(name: str) -> str:
    """Where the action server or Rasa server `name` ("actions-5055", "rasa-5005") answers
    200 once it serves."""
    kind, port = name.split("-")
    path = "health" if kind == "actions" else "webhooks/rest/"
    return f"http://127.0.0.1:{port}/{path}"


class ScaledStack:
    """Starts and stops the scaled mode's processes, through supervisord."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.env = settings.environment()
        self.processes: list[subprocess.Popen] = []

    @property
    def supervisor_config(self) -> Path:
        return self.settings.workdir / "supervisord.conf"

    def programs(self) -> list[Program]:
        """Started in priority order (nginx first), stopped in the reverse order."""
        settings, python = self.settings, BIN / "python"
        credentials = settings.workdir / "credentials.yml"
        programs = [
            Program(
                "nginx",
                f"{ROOT / 'deploy' / 'run-nginx.sh'} {settings.workdir}",
                10,
                2,
                f"{settings.public_url}/health",
            )
        ]
        programs += [
            Program(
                f"actions-{port}",
                f"{python} -m actions.server --port {port}",
                20,
                5,
                server_health_url(f"actions-{port}"),
            )
            for port in settings.actions_ports
        ]
        programs += [
            Program(
                f"rasa-{port}",
                f"{python} -m bot.server run --model {settings.model} "
                f"--endpoints bot/endpoints.scaled.yml --credentials {credentials} "
                f"--interface 127.0.0.1 --port {port}",
                30,
                10,
                server_health_url(f"rasa-{port}"),
            )
            for port in settings.rasa_ports
        ]
        programs.append(
            Program(
                "web", f"{python} -m web.app", 40, 5, f"http://127.0.0.1:{settings.web_port}/health"
            )
        )
        return programs

    def render_nginx(self, down: frozenset[int] = frozenset()) -> Path:
        """nginx's configuration; the servers on the ports `down` get no request."""
        template = jinja2.Template((ROOT / "deploy" / "nginx.conf.j2").read_text())
        config = self.settings.workdir / "nginx.conf"
        config.write_text(
            template.render(
                workdir=self.settings.workdir,
                rasa_ports=self.settings.rasa_ports,
                down=down,
                public_port=self.settings.public_port,
                web_port=self.settings.web_port,
                actions_ports=self.settings.actions_ports,
                actions_lb_port=self.settings.actions_lb_port,
                rasa_lb_port=self.settings.rasa_lb_port,
                unavailable_json=nginx_string(
                    json.dumps({"error": unavailable_text()}, ensure_ascii=False)
                ),
            )
        )
        return config

    def render_supervisor(self) -> Path:
        template = jinja2.Template((ROOT / "deploy" / "supervisord.conf.j2").read_text())
        self.supervisor_config.write_text(
            template.render(workdir=self.settings.workdir, root=ROOT, programs=self.programs())
        )
        return self.supervisor_config

    def start(self) -> None:
        settings = self.settings
        settings.workdir.mkdir(parents=True, exist_ok=True)
        if not Path(NGINX).exists():
            raise SystemExit("nginx is missing: run `make run-scaled` (it installs it).")
        credentials = settings.workdir / "credentials.yml"
        subprocess.run(
            [str(BIN / "python"), "-m", "bot.channels.credentials", str(credentials)],
            cwd=ROOT,
            env=self.env,
            check=True,
        )
        self.render_nginx()
        config = self.render_supervisor()
        log = settings.workdir / "supervisord.log"
        supervisor = subprocess.Popen(
            [str(BIN / "supervisord"), "-c", str(config)],
            cwd=ROOT,
            env=self.env,
            stdout=(settings.workdir / "supervisord.out").open("w"),
            stderr=subprocess.STDOUT,
        )
        self.processes.append(supervisor)
        for program in sorted(self.programs(), key=lambda program: program.name == "nginx"):
            print(f"==> Waiting for {program.name} ({program.health_url})", flush=True)
            wait_until_serving(program.health_url, supervisor, log)
        wait_until_serving(
            f"http://127.0.0.1:{settings.rasa_lb_port}/webhooks/rest/", supervisor, log
        )

    def control(self, *command: str) -> str:
        """supervisorctl's answer to `command` (status, pid NAME, restart NAME…)."""
        result = subprocess.run(
            [str(BIN / "supervisorctl"), "-c", str(self.supervisor_config), *command],
            capture_output=True,
            text=True,
        )
        return result.stdout

    def reload(self) -> list[tuple[str, float]]:
        """Restart the action servers, then the Rasa servers, one at a time, each taken out
        of nginx until it serves again; each one's seconds out of service."""
        timings = []
        for kind, ports in (
            ("actions", self.settings.actions_ports),
            ("rasa", self.settings.rasa_ports),
        ):
            for port in ports:
                timings.append(self._restart_one(f"{kind}-{port}", port, alone=len(ports) == 1))
        return timings

    def _restart_one(self, name: str, port: int, alone: bool) -> tuple[str, float]:
        """Restart one server, out of nginx meanwhile unless it is the only one of its kind."""
        print(
            f"==> Restarting {name}"
            + (" (the only one: requests fail meanwhile)" if alone else ""),
            flush=True,
        )
        started = time.monotonic()
        if not alone:
            self.reload_nginx(down=frozenset({port}))
        self.control("restart", name)
        wait_until_serving(server_health_url(name))
        if not alone:
            self.reload_nginx()
        seconds = time.monotonic() - started
        print(f"    {name} serves again after {seconds:.0f} s", flush=True)
        return name, seconds

    def reload_nginx(self, down: frozenset[int] = frozenset()) -> None:
        """Give nginx a new configuration and wait until its old workers have ended the
        requests they held (at most nginx's worker_shutdown_timeout)."""
        self.render_nginx(down)
        master = self.control("pid", "nginx").strip()
        old_workers = subprocess.run(
            ["pgrep", "-P", master], capture_output=True, text=True
        ).stdout.split()
        self.control("signal", "HUP", "nginx")
        deadline = time.monotonic() + NGINX_DRAIN_TIMEOUT_S
        while time.monotonic() < deadline and any(
            Path(f"/proc/{pid}").exists() for pid in old_workers
        ):
            time.sleep(0.2)

    def restarts(self) -> dict[str, int]:
        """How many times each program was started again, from supervisord's log."""
        log = (self.settings.workdir / "supervisord.log").read_text()
        spawned = re.findall(r"spawned: '([\w-]+)'", log)
        return {name: spawned.count(name) - 1 for name in dict.fromkeys(spawned)}

    def status(self) -> str:
        """Each program's state, process, uptime, and restarts."""
        restarts = self.restarts()
        lines = []
        for line in self.control("status").splitlines():
            name = line.split(maxsplit=1)[0] if line.strip() else ""
            lines.append(f"{line}, restarts: {restarts.get(name, 0)}" if name else line)
        return "\n".join(lines)

    def stop(self) -> None:
        """supervisord stops the programs, the web app first and nginx last."""
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=90)
            except subprocess.TimeoutExpired:
                process.kill()
        self.processes.clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rasa-servers", type=int, default=2)
    parser.add_argument(
        "--status", action="store_true", help="show what runs, since when, and its restarts"
    )
    parser.add_argument(
        "--reload",
        action="store_true",
        help="restart the action and Rasa servers one at a time (a new model); "
        "give the --rasa-servers the stack was started with",
    )
    arguments = parser.parse_args()
    first = current().rasa_port
    settings = Settings(rasa_ports=[first + i for i in range(arguments.rasa_servers)])
    stack = ScaledStack(settings)
    if arguments.status or arguments.reload:
        if not stack.supervisor_config.exists():
            raise SystemExit("The scaled mode is not running (start it with `make run-scaled`).")
        if arguments.reload:
            stack.reload()
        print(stack.status())
        return
    if settings.workdir.exists():
        shutil.rmtree(settings.workdir)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        stack.start()
        print(
            f"==> Ready on {settings.public_url}/ (page), /console, /webhooks/rest/webhook; "
            "`make status` shows the processes; Ctrl-C stops everything",
            flush=True,
        )
        stack.processes[0].wait()
        print("supervisord stopped: see var/scaled/supervisord.log", file=sys.stderr)
    except KeyboardInterrupt:
        pass
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
