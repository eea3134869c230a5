"""`make run`'s launcher (deploy/embedded.py) for real: the three servers on free ports,
their logs in files, a short output ending with the banner, Rasa and the actions on
127.0.0.1 only, a server that dies started again, and Ctrl-C stopping everything."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from harness.processes import free_port, listening_addresses, wait_until_serving
from harness.servers import ROOT, SECRET
from settings import environment

BANNER_WITHIN_S = 240
MOST_LINES_BEFORE_BANNER = 20  # `make run` adds set-up and training lines: 60 in all


class Launcher:
    def __init__(self, workdir: Path) -> None:
        self.ports = {"RASA_PORT": free_port(), "ACTIONS_PORT": free_port()}
        self.web_port = free_port()
        self.logs = workdir / "logs"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "deploy.embedded"],
            cwd=ROOT,
            env=environment(
                **{name: str(port) for name, port in self.ports.items()},
                CLEA_WEB_PORT=str(self.web_port),
                CLEA_WEB_HOST="127.0.0.1",
                CLEA_LOG_DIR=str(self.logs),
                TRACKER_DB_PATH=str(workdir / "trackers.db"),
                CLEA_DATABASE_URL=f"sqlite:///{workdir / 'dossiers.db'}",
                CLEA_SECRET_KEY=SECRET,
                CLEA_ALLOWED_ORIGINS=f"http://127.0.0.1:{self.web_port}",
            ),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.lines: list[str] = []

    def read_until_banner(self) -> list[str]:
        """The lines printed up to the banner's last line."""
        assert self.process.stdout is not None
        deadline = time.monotonic() + BANNER_WITHIN_S
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))
            if "Ctrl-C stops everything" in line or time.monotonic() > deadline:
                break
        return self.lines

    def pid_of(self, name: str) -> int:
        """The process id of one of the launcher's servers, from its command line."""
        needle = {"rasa": "bot.server run", "actions": "actions.server", "web": "web.app"}[name]
        found = subprocess.run(
            ["pgrep", "-f", "-P", str(self.process.pid), needle], capture_output=True, text=True
        )
        return int(found.stdout.split()[0])


@pytest.fixture(scope="module")
def launcher(model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Launcher]:
    running = Launcher(tmp_path_factory.mktemp("embedded"))
    try:
        running.read_until_banner()
        yield running
    finally:
        if running.process.poll() is None:
            os.killpg(running.process.pid, signal.SIGKILL)


def test_the_launcher_prints_a_few_lines_then_the_banner(launcher: Launcher):
    lines = launcher.lines
    assert lines[-1].strip() == "Ctrl-C stops everything.", "\n".join(lines)
    before = lines[: next(i for i, line in enumerate(lines) if "assistant is ready" in line)]
    assert len(before) <= MOST_LINES_BEFORE_BANNER, "\n".join(lines)
    banner = "\n".join(lines[len(before) :])
    assert f"http://localhost:{launcher.web_port}/console" in banner
    assert "messaging apps: none" in banner
    for name in ("rasa", "actions", "web"):
        assert (launcher.logs / f"{name}.log").stat().st_size > 0


def test_people_reach_the_assistant_through_the_web_app(launcher: Launcher):
    web = f"http://127.0.0.1:{launcher.web_port}"
    origin = {"Origin": web}
    sender = requests.post(f"{web}/chat/session", headers=origin, timeout=10).json()["sender"]
    answer = requests.post(
        f"{web}/chat", json={"sender": sender, "message": "c koi clea"}, headers=origin, timeout=60
    )
    assert answer.status_code == 200 and "certificat" in answer.text
    for port in launcher.ports.values():
        assert listening_addresses(port) == {"0100007F"}  # Rasa and the actions: loopback only


def test_a_server_that_dies_is_started_again(launcher: Launcher):
    os.kill(launcher.pid_of("actions"), signal.SIGKILL)
    health = f"http://127.0.0.1:{launcher.ports['ACTIONS_PORT']}/health"
    assert wait_until_serving(health, timeout_s=60) < 60


def test_ctrl_c_stops_every_server(launcher: Launcher):
    children = [launcher.pid_of(name) for name in ("rasa", "actions", "web")]
    launcher.process.send_signal(signal.SIGINT)
    assert launcher.process.wait(timeout=60) == 0
    assert not [pid for pid in children if Path(f"/proc/{pid}").exists()]
