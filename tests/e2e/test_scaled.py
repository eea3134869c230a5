"""The scaled mode for real: nginx, two Rasa servers, conversations in PostgreSQL and
their locks in Redis, pre-dossiers in PostgreSQL (the machine's local services)."""

import asyncio
import json
import os
import time
import uuid
from unittest import mock
from pathlib import Path
from typing import Iterator

import aiohttp
import pytest
import redis
import requests
from sqlalchemy import text

from deploy.scaled import ScaledStack, Settings
from dossiers.db import make_engine
from dossiers.repository import Repository
from helpers import SECRET, _free_port, listening_addresses, new_sender
from store_fixture import POSTGRES_URL, _postgres_reachable

CONVERSATIONS = 50
FIRST_NAMES = ("Léa", "Paul", "Inès", "Karim", "Sofia", "Marc", "Nadia", "Hugo", "Aïcha", "Jean")


@pytest.fixture(scope="module")
def stack(model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScaledStack]:
    if not _postgres_reachable():
        pytest.skip(f"PostgreSQL unreachable at {POSTGRES_URL}")
    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_timeout=2).ping()
    except redis.ConnectionError:
        pytest.skip("Redis unreachable at 127.0.0.1:6379")
    schema = f"clea_scaled_{uuid.uuid4().hex[:12]}"
    with make_engine(POSTGRES_URL).begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    settings = Settings(
        workdir=tmp_path_factory.mktemp("scaled"), model=model, public_port=_free_port(),
        rasa_ports=[_free_port(), _free_port()], actions_ports=[_free_port(), _free_port()],
        actions_lb_port=_free_port(), web_port=_free_port(), pg_schema=schema,
        redis_prefix=f"test{uuid.uuid4().hex[:8]}", allowed_origins="",
    )
    # The tests' key, to make conversation ids; one client (the tests) sends every message.
    limits = {"CLEA_SECRET_KEY": SECRET, "CLEA_CHAT_MESSAGES_PER_MINUTE": "100000"}
    with mock.patch.dict(os.environ, limits):
        running = ScaledStack(settings)
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
    answer = requests.post(f"http://127.0.0.1:{port}/webhooks/rest/webhook",
                           json={"sender": sender, "message": message}, timeout=60)
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


async def create_pre_dossier(http: aiohttp.ClientSession, public_url: str, number: int) -> tuple:
    """One person's whole conversation on the widget's REST path, to a pre-dossier;
    its start and end times."""
    async with http.post(f"{public_url}/chat/session") as issued:
        sender = (await issued.json())["sender"]
    url = f"{public_url}/chat"

    async def say(message: str) -> list[dict]:
        async with http.post(url, json={"sender": sender, "message": message}) as answer:
            assert answer.status == 200, await answer.text()
            return await answer.json()

    start = time.monotonic()
    await say("je veux m'inscrire à cléa")
    consent = await say("Arras")
    await say(consent[-1]["buttons"][0]["payload"])
    phone = f"06 12 34 {number // 100:02d} {number % 100:02d}"
    for message in (FIRST_NAMES[number % len(FIRST_NAMES)], "Durand", phone, "demandeur d'emploi",
                    "Le matin"):
        await say(message)
    created = "\n".join(m.get("text", "") for m in await say("/affirm"))
    await say("/affirm")  # a double click: still one pre-dossier
    return start, time.monotonic(), created


def max_overlap(intervals: list[tuple[float, float]]) -> int:
    """The largest number of conversations running at one instant."""
    edges = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals])
    running = peak = 0
    for _, step in edges:
        running += step
        peak = max(peak, running)
    return peak


def test_fifty_concurrent_conversations_make_exactly_fifty_pre_dossiers(stack: ScaledStack):
    before = store(stack).count()

    async def run_all() -> list[tuple]:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=300)) as http:
            return await asyncio.gather(*(create_pre_dossier(http, stack.settings.public_url, number)
                                          for number in range(CONVERSATIONS)))

    results = asyncio.run(run_all())
    failed = [created for _, _, created in results if "Votre référence : CLEA-" not in created]
    assert not failed, failed[:3]
    assert max_overlap([(start, end) for start, end, _ in results]) >= CONVERSATIONS // 2
    assert store(stack).count() == before + CONVERSATIONS


async def socket_io_over_websocket(url: str, origin: str, message: str) -> dict:
    """Engine.IO 4 / socket.io 5 spoken by hand over one websocket, as the widget does
    (python-engineio's websocket client does not run on aiohttp 3.9)."""
    async with aiohttp.ClientSession() as http:
        async with http.ws_connect(f"{url}/socket.io/?EIO=4&transport=websocket",
                                   headers={"Origin": origin}, timeout=10) as socket:
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
    answer = asyncio.run(asyncio.wait_for(socket_io_over_websocket(public, public, "c koi cléa"), 60))
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
    rest = requests.post(f"{public}/webhooks/rest/webhook", timeout=10,
                         json={"sender": new_sender(), "message": "bonjour"})
    assert rest.status_code == 404
    assert requests.get(f"{public}/webhooks/rest/", timeout=10).status_code == 404
    for port in stack.settings.rasa_ports:
        assert listening_addresses(port) == {"0100007F"}
    assert listening_addresses(stack.settings.web_port) == {"0100007F"}


def wait_for(url: str, timeout_s: float) -> float:
    """Seconds until `url` answers 200."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return time.monotonic() - started
        except requests.ConnectionError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"{url} not back after {timeout_s} s")


def test_a_killed_process_is_started_again_and_the_stack_keeps_serving(stack: ScaledStack):
    rasa_port, actions_port = stack.settings.rasa_ports[0], stack.settings.actions_ports[0]
    for name in (f"rasa-{rasa_port}", f"actions-{actions_port}"):
        os.kill(int(stack.control("pid", name).strip()), 9)
    # meanwhile the other Rasa server and the other action server answer, through nginx
    sender = new_sender()
    assert "d'Arras" in say_to(stack.settings.rasa_lb_port, sender, "je suis de lens")
    assert "Arras" in say_to(stack.settings.rasa_lb_port, sender, "je veux parler à quelqu'un")
    assert wait_for(f"http://127.0.0.1:{actions_port}/health", 30) < 30
    print(f"Rasa back in {wait_for(f'http://127.0.0.1:{rasa_port}/webhooks/rest/', 180):.0f} s")
    assert "Question 1 sur" in say_to(rasa_port, sender, "je veux tester mon niveau")
    status = stack.status()
    assert status.count("RUNNING") == len(stack.programs()), status
    assert f"rasa-{rasa_port}" in status and "restarts: 1" in status


def test_the_supervisor_configuration_holds_every_process_and_no_secret(stack: ScaledStack):
    config = stack.supervisor_config.read_text()
    for program in stack.programs():
        assert f"[program:{program.name}]" in config
    assert len(stack.settings.actions_ports) == 2  # actions go on while one restarts
    assert stack.settings.actions_token not in config and SECRET not in config
