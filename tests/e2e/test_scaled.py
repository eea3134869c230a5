"""The scaled mode for real: nginx, two Rasa servers, two action servers and the web app
under supervisord; conversations and pre-dossiers in PostgreSQL (the machine's, reached
through a proxy the tests can cut), locks in a Redis of the tests' own.

The chaos tests run 50 people making pre-dossiers at once, each sending as the widget
does, and strike at a random instant: kill -9 of each kind of process, PostgreSQL cut,
Redis restarted, a rolling restart. Their figures go to reports/chaos.json.
"""

import asyncio
import json
import os
import random
import shutil
import signal
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import aiohttp
import pytest
import redis
import requests
from sqlalchemy import func, select, text
from store_fixture import POSTGRES_URL, _postgres_reachable
from tcp_proxy import TcpProxy
from widget_load import LoadResult, run_load

from deploy.scaled import ScaledStack, Settings, server_health_url
from dossiers.db import make_engine
from dossiers.models import pre_dossier
from dossiers.repository import Repository
from harness.processes import free_port, listening_addresses, wait_until_serving
from harness.servers import ROOT, SECRET, new_sender
from referentiel import load_referentiel

CONVERSATIONS = 50
REPORT = ROOT / "reports" / "chaos.json"
FAULT_WINDOW_S = (4.0, 12.0)  # a fault strikes this long after the load starts, at random
AFTER_RECOVERY_S = 5.0  # the load goes on this long after the stack serves again
OUTAGE_S = 5.0  # PostgreSQL cut off, Redis stopped
BACK_WITHIN_S = 30


class OwnRedis:
    """A Redis server of the tests' own, on a free port (the machine's is left alone),
    keeping nothing on disk: a restart loses every lock, as a real crash would."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=(self.workdir / "redis.log").open("a"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=1).ping()
                return
            except redis.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("the tests' Redis did not start")

    def stop(self) -> None:
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def own_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OwnRedis]:
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    server = OwnRedis(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def postgres_proxy() -> Iterator[TcpProxy]:
    if not _postgres_reachable():
        pytest.skip(f"PostgreSQL unreachable at {POSTGRES_URL}")
    proxy = TcpProxy(5432)
    yield proxy
    proxy.close()


@pytest.fixture(scope="module")
def stack(
    model: Path,
    tmp_path_factory: pytest.TempPathFactory,
    own_redis: OwnRedis,
    postgres_proxy: TcpProxy,
) -> Iterator[ScaledStack]:
    schema = f"clea_scaled_{uuid.uuid4().hex[:12]}"
    with make_engine(POSTGRES_URL).begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    settings = Settings(
        workdir=tmp_path_factory.mktemp("scaled"),
        model=model,
        public_port=free_port(),
        rasa_ports=[free_port(), free_port()],
        actions_ports=[free_port(), free_port()],
        actions_lb_port=free_port(),
        web_port=free_port(),
        pg_schema=schema,
        pg_port=str(postgres_proxy.port),
        redis_port=str(own_redis.port),
        redis_db="0",
        redis_prefix=f"test{uuid.uuid4().hex[:8]}",
        allowed_origins="",
    )
    # The tests' key, to make conversation ids; one client (the tests) sends every message.
    limits = {"CLEA_SECRET_KEY": SECRET, "CLEA_CHAT_MESSAGES_PER_MINUTE": "100000"}
    running = ScaledStack(settings)
    running.env.update(limits)
    try:
        running.start()
        yield running
    finally:
        running.stop()
        with make_engine(POSTGRES_URL).begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))


def store(stack: ScaledStack) -> Repository:
    return Repository(make_engine(stack.settings.database_url))


def say_to(port: int, sender: str, message: str) -> str:
    answer = requests.post(
        f"http://127.0.0.1:{port}/webhooks/rest/webhook",
        json={"sender": sender, "message": message},
        timeout=60,
    )
    assert answer.status_code == 200, answer.text
    return "\n".join(m.get("text", "") for m in answer.json())


def test_a_conversation_stays_coherent_across_two_rasa_servers(stack: ScaledStack):
    first, second = stack.settings.rasa_ports
    sender = new_sender()
    assert "d'Arras" in say_to(first, sender, "je suis de lens")
    assert "Arras" in say_to(second, sender, "je veux parler à quelqu'un")  # slot kept
    assert "Question 1 sur" in say_to(first, sender, "je veux tester mon niveau")
    assert "Question 2 sur" in say_to(second, sender, "oui")
    assert "Question 3 sur" in say_to(first, sender, "la 1")
    assert "Question 4 sur" in say_to(second, sender, "oui")


async def socket_io_over_websocket(url: str, origin: str, message: str) -> dict:
    """Engine.IO 4 / socket.io 5 spoken by hand over one websocket, as the widget does
    (python-engineio's websocket client does not run on aiohttp 3.9)."""
    async with (
        aiohttp.ClientSession() as http,
        http.ws_connect(
            f"{url}/socket.io/?EIO=4&transport=websocket", headers={"Origin": origin}, timeout=10
        ) as socket,
    ):

        async def events():
            async for frame in socket:
                if frame.data == "2":  # Engine.IO ping
                    await socket.send_str("3")
                elif frame.data.startswith("42"):
                    yield json.loads(frame.data[2:])

        assert (await socket.receive_str(timeout=10)).startswith("0")  # open
        await socket.send_str("40")
        assert (await socket.receive_str(timeout=10)).startswith("40")  # connected
        await socket.send_str("42" + json.dumps(["session_request", {"session_id": new_sender()}]))
        async for name, data in events():
            if name == "session_confirm":
                await socket.send_str("42" + json.dumps(["user_uttered", {"message": message}]))
            elif name == "bot_uttered":
                return data
    raise AssertionError("no answer")


def test_socket_io_goes_through_nginx_and_the_web_app(stack: ScaledStack):
    public = stack.settings.public_url
    answer = asyncio.run(
        asyncio.wait_for(socket_io_over_websocket(public, public, "c koi cléa"), 60)
    )
    assert "certificat" in answer["text"]


def test_the_public_page_and_console_are_served_through_nginx(stack: ScaledStack):
    requests.get(f"{stack.settings.public_url}/console?q=Quillebeuf", timeout=10)
    page = requests.get(f"{stack.settings.public_url}/", timeout=10)
    assert page.status_code == 200 and '<script src="/widget.js" defer>' in page.text
    assert requests.get(f"{stack.settings.public_url}/console/login", timeout=10).status_code == 200
    access_log = (stack.settings.workdir / "nginx-access.log").read_text()
    assert "GET /console " in access_log and "Quillebeuf" not in access_log  # no query string


def test_nginx_publishes_only_the_web_app_and_the_messaging_webhooks(stack: ScaledStack):
    public = stack.settings.public_url
    rest = requests.post(
        f"{public}/webhooks/rest/webhook",
        timeout=10,
        json={"sender": new_sender(), "message": "bonjour"},
    )
    assert rest.status_code == 404
    assert requests.get(f"{public}/webhooks/rest/", timeout=10).status_code == 404
    for port in stack.settings.rasa_ports:
        assert listening_addresses(port) == {"0100007F"}
    assert listening_addresses(stack.settings.web_port) == {"0100007F"}


def test_the_supervisor_configuration_holds_every_process_and_no_secret(stack: ScaledStack):
    config = stack.supervisor_config.read_text()
    for program in stack.programs():
        assert f"[program:{program.name}]" in config
    assert len(stack.settings.actions_ports) == 2  # actions go on while one restarts
    assert stack.settings.actions_token not in config and SECRET not in config


def pre_dossiers_by_conversation(stack: ScaledStack) -> dict[str, int]:
    engine = make_engine(
        POSTGRES_URL, connect_args={"options": f"-csearch_path={stack.settings.pg_schema}"}
    )
    with engine.connect() as connection:
        rows = connection.execute(
            select(pre_dossier.c.sender_id, func.count()).group_by(pre_dossier.c.sender_id)
        )
        return {sender: count for sender, count in rows}


def run_under_fault(
    stack: ScaledStack, name: str, strike: Callable[[], float], first_number: int
) -> dict:
    """50 people making pre-dossiers; `strike` (the fault, returning the seconds until the
    stack serves again) at a random instant; what every person got is checked, and the
    figures are added to reports/chaos.json. Each run's people have their own phone numbers
    from `first_number` (a phone may ask only so many pre-dossiers)."""
    seed = random.randrange(1_000_000)
    delay = random.Random(seed).uniform(*FAULT_WINDOW_S)
    print(f"{name}: strikes {delay:.1f} s into the load (seed {seed})")

    async def scenario() -> tuple[float, float, float, LoadResult]:
        keep_going = asyncio.Event()
        keep_going.set()
        load = asyncio.create_task(
            run_load(
                stack.settings.public_url, CONVERSATIONS, keep_going, first_number=first_number
            )
        )
        await asyncio.sleep(delay)
        struck = time.monotonic()
        recovery_s = await asyncio.to_thread(strike)
        recovered = time.monotonic()
        await asyncio.sleep(AFTER_RECOVERY_S)
        keep_going.clear()
        return struck, recovered, recovery_s, await load

    struck, recovered, recovery_s, result = asyncio.run(scenario())
    exchanges = result.exchanges
    figures = {
        "fault_after_s": round(delay, 1),
        "serving_again_after_s": round(recovery_s, 1),
        "conversations": len(result.conversations),
        "messages": len(exchanges),
        "tries_failed": sum(1 for e in exchanges for status in e.statuses if status != 200),
        "messages_sent_again": sum(1 for e in exchanges if len(e.statuses) > 1),
        "failed_tries_by_status": dict(
            Counter(str(status) for e in exchanges for status in e.statuses if status != 200)
        ),
        "resent_by_browser": sum(e.resent_by_browser for e in exchanges),
        "errors_seen": sum(1 for e in exchanges if e.seen_error is not None),
        "longest_wait_s": round(max(e.ended - e.started for e in exchanges), 1),
        "steady_messages_per_s": round(result.answered_per_second(result.started, struck), 1),
        "during_fault_messages_per_s": round(
            result.answered_per_second(struck, max(recovered, struck + 10)), 1
        ),
    }
    print(f"{name}: {json.dumps(figures)}")
    REPORT.parent.mkdir(exist_ok=True)
    report = json.loads(REPORT.read_text()) if REPORT.exists() else {}
    report[name] = {**figures, "measured": time.strftime("%Y-%m-%d %H:%M")}
    REPORT.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")

    counts = pre_dossiers_by_conversation(stack)
    consented = [c for c in result.conversations if c.consented]
    lost = [c.sender for c in consented if not c.reference or counts.get(c.sender, 0) == 0]
    doubled = [c.sender for c in consented if counts.get(c.sender, 0) > 1]
    assert (len(lost), len(doubled)) == (0, 0), (lost[:3], doubled[:3])
    phone = load_referentiel().organisation.phone
    errors = [e.seen_error for e in exchanges if e.seen_error is not None]
    assert all(error and phone in error for error in errors), errors[:3]  # always the apology
    status = stack.status()
    assert status.count("RUNNING") == len(stack.programs()), status
    return figures


def test_fifty_concurrent_conversations_make_exactly_fifty_pre_dossiers(stack: ScaledStack):
    async def fifty() -> LoadResult:
        return await run_load(
            stack.settings.public_url, CONVERSATIONS, asyncio.Event(), first_number=900_000
        )

    result = asyncio.run(fifty())
    assert len(result.conversations) == CONVERSATIONS
    assert all(c.reference for c in result.conversations)
    assert result.peak_concurrency() >= CONVERSATIONS // 2
    counts = pre_dossiers_by_conversation(stack)
    assert all(counts.get(c.sender) == 1 for c in result.conversations)
    assert all(e.statuses == [200] for e in result.exchanges)


def kill(stack: ScaledStack, name: str, health_url: str) -> Callable[[], float]:
    """kill -9 of `name`; the seconds until supervisord has started it again and it serves."""

    def strike() -> float:
        killed = int(stack.control("pid", name).strip())
        os.kill(killed, signal.SIGKILL)
        started = time.monotonic()
        while int(stack.control("pid", name).strip() or 0) in (0, killed):
            assert time.monotonic() - started < BACK_WITHIN_S, f"{name} not started again"
            time.sleep(0.2)
        wait_until_serving(health_url)
        return time.monotonic() - started

    return strike


def test_kill_9_of_a_rasa_server_under_load_loses_nothing(stack: ScaledStack):
    name = f"rasa-{stack.settings.rasa_ports[0]}"
    figures = run_under_fault(
        stack, "kill -9 Rasa server", kill(stack, name, server_health_url(name)), 10_000
    )
    assert figures["serving_again_after_s"] < 240  # the model loads again (about 60 s here)


def test_kill_9_of_an_action_server_under_load_loses_nothing(stack: ScaledStack):
    name = f"actions-{stack.settings.actions_ports[0]}"
    figures = run_under_fault(
        stack, "kill -9 action server", kill(stack, name, server_health_url(name)), 20_000
    )
    assert figures["serving_again_after_s"] < BACK_WITHIN_S


def test_kill_9_of_the_web_app_under_load_loses_nothing(stack: ScaledStack):
    health = f"http://127.0.0.1:{stack.settings.web_port}/health"
    figures = run_under_fault(stack, "kill -9 web app", kill(stack, "web", health), 30_000)
    assert figures["serving_again_after_s"] < BACK_WITHIN_S


def test_kill_9_of_nginx_under_load_loses_nothing(stack: ScaledStack):
    """Its workers live on and serve until the new nginx has them end (deploy/run-nginx.sh)."""
    figures = run_under_fault(
        stack,
        "kill -9 nginx (master)",
        kill(stack, "nginx", f"{stack.settings.public_url}/health"),
        70_000,
    )
    assert figures["serving_again_after_s"] < BACK_WITHIN_S


def test_postgresql_cut_off_under_load_loses_nothing(stack: ScaledStack, postgres_proxy: TcpProxy):
    health = f"http://127.0.0.1:{stack.settings.web_port}/health"

    def strike() -> float:
        started = time.monotonic()
        postgres_proxy.cut()
        time.sleep(OUTAGE_S)
        postgres_proxy.restore()
        while requests.get(health, timeout=10).json()["store"] != "ok":
            time.sleep(0.2)
        return time.monotonic() - started

    figures = run_under_fault(stack, "PostgreSQL cut off 5 s", strike, 40_000)
    assert figures["serving_again_after_s"] < OUTAGE_S + BACK_WITHIN_S


def test_redis_restarted_under_load_loses_nothing(stack: ScaledStack, own_redis: OwnRedis):
    def strike() -> float:
        started = time.monotonic()
        own_redis.stop()
        time.sleep(OUTAGE_S)
        own_redis.start()
        return time.monotonic() - started

    run_under_fault(stack, "Redis restarted (5 s away)", strike, 50_000)


def test_a_rolling_restart_under_load_fails_no_request(stack: ScaledStack):
    before = stack.restarts()
    figures = run_under_fault(
        stack,
        "rolling restart (make reload-scaled)",
        lambda: sum(seconds for _, seconds in stack.reload()),
        60_000,
    )
    assert figures["tries_failed"] == 0 and figures["errors_seen"] == 0, figures
    after = stack.restarts()
    servers = [p.name for p in stack.programs() if p.name.split("-")[0] in ("actions", "rasa")]
    assert all(after[name] == before.get(name, 0) + 1 for name in servers), (before, after)
