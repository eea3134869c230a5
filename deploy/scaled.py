"""The scaled mode on one machine (`make run-scaled`): nginx in front of several Rasa
servers, the action server and the web app; conversations in PostgreSQL, their locks
in Redis, pre-dossiers in PostgreSQL.

Usage: python -m deploy.scaled [--rasa-servers N]
Settings come from the environment (README, "Several servers"); Ctrl-C stops everything.
"""

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import jinja2
import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
NGINX = "/usr/sbin/nginx"
START_TIMEOUT_S = 240


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


@dataclass
class Settings:
    """Ports, databases and model of a scaled stack."""

    workdir: Path = ROOT / "var" / "scaled"
    model: Path = ROOT / "models" / "clea.tar.gz"
    public_port: int = int(_env("CLEA_PUBLIC_PORT", "8000"))
    rasa_ports: list[int] = field(default_factory=lambda: [5005, 5006])
    actions_port: int = int(_env("ACTIONS_PORT", "5055"))
    actions_lb_port: int = int(_env("CLEA_ACTIONS_LB_PORT", "5054"))
    rasa_lb_port: int = int(_env("CLEA_RASA_LB_PORT", "5053"))
    # Shown by Rasa to the action server on each call: a new one for each start.
    actions_token: str = field(default_factory=lambda: secrets.token_hex(32))
    web_port: int = int(_env("CLEA_WEB_PORT", "8080"))
    pg_host: str = _env("CLEA_PG_HOST", "127.0.0.1")
    pg_port: str = _env("CLEA_PG_PORT", "5432")
    pg_db: str = _env("CLEA_PG_DB", "test")
    pg_user: str = _env("CLEA_PG_USER", "postgres")
    pg_password: str = os.environ.get("CLEA_PG_PASSWORD", "")
    pg_schema: str = _env("CLEA_PG_SCHEMA", "public")
    redis_host: str = _env("CLEA_REDIS_HOST", "127.0.0.1")
    redis_port: str = _env("CLEA_REDIS_PORT", "6379")
    redis_db: str = _env("CLEA_REDIS_DB", "1")
    redis_prefix: str = _env("CLEA_REDIS_PREFIX", "clea")
    allowed_origins: str = os.environ.get("CLEA_ALLOWED_ORIGINS", "")
    # Rasa's tracker store pool per server (Rasa's defaults are 50 and 100).
    sql_pool_size: str = _env("SQL_POOL_SIZE", "5")
    sql_max_overflow: str = _env("SQL_MAX_OVERFLOW", "10")

    @property
    def public_url(self) -> str:
        return f"http://127.0.0.1:{self.public_port}"

    @property
    def database_url(self) -> str:
        """The pre-dossier store: the same PostgreSQL database and schema as the trackers."""
        password = f":{quote(self.pg_password)}" if self.pg_password else ""
        return (f"postgresql://{self.pg_user}{password}@{self.pg_host}:{self.pg_port}/"
                f"{self.pg_db}?options=-csearch_path%3D{self.pg_schema}")

    def environment(self) -> dict[str, str]:
        origins = self.allowed_origins or (
            f"http://localhost:{self.public_port},http://127.0.0.1:{self.public_port}")
        return {
            **os.environ,
            "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false", "SANIC_HOST": "127.0.0.1",
            "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{self.actions_lb_port}/webhook",
            "CLEA_PG_HOST": self.pg_host, "CLEA_PG_PORT": self.pg_port, "CLEA_PG_DB": self.pg_db,
            "CLEA_PG_USER": self.pg_user, "CLEA_PG_PASSWORD": self.pg_password,
            "CLEA_PG_OPTIONS": f"-csearch_path={self.pg_schema}",
            "CLEA_REDIS_HOST": self.redis_host, "CLEA_REDIS_PORT": self.redis_port,
            "CLEA_REDIS_DB": self.redis_db, "CLEA_REDIS_PREFIX": self.redis_prefix,
            "CLEA_DATABASE_URL": self.database_url, "CLEA_ALLOWED_ORIGINS": origins,
            "CLEA_TRACKER_DB_URL": self.database_url,  # the conversations, for the retention
            "CLEA_RASA_URL": f"http://127.0.0.1:{self.rasa_lb_port}", "CLEA_WEB_HOST": "127.0.0.1",
            "CLEA_ACTIONS_TOKEN": self.actions_token,
            "CLEA_WEB_PORT": str(self.web_port), "SQL_POOL_SIZE": self.sql_pool_size,
            "SQL_MAX_OVERFLOW": self.sql_max_overflow,
        }


def wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    """Wait until `url` answers 200; fail with the end of the log if the process dies."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited early:\n{log.read_text()[-3000:]}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(1)
    raise RuntimeError(f"{url} not up after {START_TIMEOUT_S} s:\n{log.read_text()[-3000:]}")


class ScaledStack:
    """Starts and stops the processes of the scaled mode."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.env = settings.environment()
        self.processes: list[subprocess.Popen] = []

    def _spawn(self, name: str, command: list[str]) -> tuple[subprocess.Popen, Path]:
        log = self.settings.workdir / f"{name}.log"
        process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log.open("w"),
                                   stderr=subprocess.STDOUT)
        self.processes.append(process)
        return process, log

    def render_nginx(self) -> Path:
        template = jinja2.Template((ROOT / "deploy" / "nginx.conf.j2").read_text())
        config = self.settings.workdir / "nginx.conf"
        config.write_text(template.render(
            workdir=self.settings.workdir, rasa_ports=self.settings.rasa_ports,
            public_port=self.settings.public_port, web_port=self.settings.web_port,
            actions_port=self.settings.actions_port,
            actions_lb_port=self.settings.actions_lb_port,
            rasa_lb_port=self.settings.rasa_lb_port,
        ))
        return config

    def start(self) -> None:
        settings = self.settings
        settings.workdir.mkdir(parents=True, exist_ok=True)
        if not Path(NGINX).exists():
            raise SystemExit("nginx is missing: run `make run-scaled` (it installs it).")
        credentials = settings.workdir / "credentials.yml"
        subprocess.run([str(BIN / "python"), "-m", "bot.channels.credentials", str(credentials)],
                       cwd=ROOT, env=self.env, check=True)
        print(f"==> Starting nginx on port {settings.public_port}", flush=True)
        config = self.render_nginx()
        nginx, nginx_log = self._spawn("nginx", [NGINX, "-p", str(settings.workdir), "-c",
                                                 str(config), "-g", "daemon off;"])
        print(f"==> Starting the action server on 127.0.0.1:{settings.actions_port}", flush=True)
        actions = self._spawn("actions", [str(BIN / "python"), "-m", "actions.server",
                                          "--port", str(settings.actions_port)])
        rasa = []
        for port in settings.rasa_ports:
            print(f"==> Starting a Rasa server on 127.0.0.1:{port}", flush=True)
            rasa.append((port, *self._spawn(f"rasa-{port}", [
                str(BIN / "rasa"), "run", "--model", str(settings.model),
                "--endpoints", "bot/endpoints.scaled.yml", "--credentials", str(credentials),
                "--interface", "127.0.0.1", "--port", str(port),
            ])))
        print("==> Starting the web app on 127.0.0.1:"
              f"{settings.web_port} (public page, console)", flush=True)
        web = self._spawn("web", [str(BIN / "python"), "-m", "web.app"])
        wait_until_up(f"http://127.0.0.1:{settings.actions_port}/health", *actions)
        for port, process, log in rasa:
            wait_until_up(f"http://127.0.0.1:{port}/webhooks/rest/", process, log)
        wait_until_up(f"http://127.0.0.1:{settings.web_port}/console/login", *web)
        wait_until_up(f"{settings.public_url}/console/login", nginx, nginx_log)
        wait_until_up(f"http://127.0.0.1:{settings.rasa_lb_port}/webhooks/rest/", nginx, nginx_log)

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.terminate()
        for process in reversed(self.processes):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        self.processes.clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rasa-servers", type=int, default=2)
    arguments = parser.parse_args()
    first = int(_env("RASA_PORT", "5005"))
    settings = Settings(rasa_ports=[first + i for i in range(arguments.rasa_servers)])
    if settings.workdir.exists():
        shutil.rmtree(settings.workdir)
    stack = ScaledStack(settings)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        stack.start()
        print(f"==> Ready on {settings.public_url}/ (page), /console, /webhooks/rest/webhook; "
              "Ctrl-C stops everything", flush=True)
        while all(process.poll() is None for process in stack.processes):
            time.sleep(1)
        print("A process stopped: see the logs in var/scaled/", file=sys.stderr)
    except KeyboardInterrupt:
        pass
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
