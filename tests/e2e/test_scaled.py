"""The scaled mode for real: nginx, two Rasa servers, conversations in PostgreSQL and
their locks in Redis, pre-dossiers in PostgreSQL (the machine's local services)."""

import asyncio
import time
import uuid
from pathlib import Path
from typing import Iterator

import aiohttp
import pytest
import redis
import requests
import socketio
from sqlalchemy import text

from deploy.scaled import ScaledStack, Settings
from dossiers.db import make_engine
from dossiers.repository import Repository
from helpers import _free_port
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
        rasa_ports=[_free_port(), _free_port()], actions_port=_free_port(),
        actions_lb_port=_free_port(), web_port=_free_port(), pg_schema=schema,
        redis_prefix=f"test{uuid.uuid4().hex[:8]}", allowed_origins="",
    )
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


def say_to(port_or_url, sender: str, message: str) -> str:
    base = port_or_url if isinstance(port_or_url, str) else f"http://127.0.0.1:{port_or_url}"
    answer = requests.post(f"{base}/webhooks/rest/webhook",
                           json={"sender": sender, "message": message}, timeout=60)
    assert answer.status_code == 200, answer.text
    return "\n".join(m.get("text", "") for m in answer.json())


def test_a_conversation_stays_coherent_across_two_rasa_servers(stack: ScaledStack):
    first, second = stack.settings.rasa_ports
    sender = uuid.uuid4().hex
    assert "d'Arras" in say_to(first, sender, "je suis de lens")
    assert "Arras" in say_to(second, sender, "je veux parler à quelqu'un")  # slot kept
    assert "Question 1 sur" in say_to(first, sender, "je veux tester mon niveau")
    assert "Question 2 sur" in say_to(second, sender, "oui")
    assert "Question 3 sur" in say_to(first, sender, "la 1")
    assert "Question 4 sur" in say_to(second, sender, "oui")


async def create_pre_dossier(http: aiohttp.ClientSession, url: str, number: int) -> tuple:
    """One person's whole conversation, to a pre-dossier; its start and end times."""
    sender = f"scaled-{number}-{uuid.uuid4().hex[:8]}"

    async def say(message: str) -> list[dict]:
        async with http.post(url, json={"sender": sender, "message": message}) as answer:
            assert answer.status == 200, await answer.text()
            return await answer.json()

    start = time.monotonic()
    await say("je veux m'inscrire à cléa")
    consent = await say("Arras")
    await say(consent[-1]["buttons"][0]["payload"])
    for message in (FIRST_NAMES[number % len(FIRST_NAMES)], "Durand", "06 12 34 56 78", "demandeur d'emploi",
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
    url = f"{stack.settings.public_url}/webhooks/rest/webhook"

    async def run_all() -> list[tuple]:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=300)) as http:
            return await asyncio.gather(
                *(create_pre_dossier(http, url, number) for number in range(CONVERSATIONS)))

    results = asyncio.run(run_all())
    failed = [created for _, _, created in results if "Votre référence : CLEA-" not in created]
    assert not failed, failed[:3]
    assert max_overlap([(start, end) for start, end, _ in results]) >= CONVERSATIONS // 2
    assert store(stack).count() == before + CONVERSATIONS


def test_socket_io_goes_through_nginx_to_one_server(stack: ScaledStack):
    async def converse() -> dict:
        client = socketio.AsyncClient(reconnection=False, request_timeout=10)
        answers: asyncio.Queue = asyncio.Queue()
        client.on("bot_uttered", answers.put_nowait)
        session = f"web-{uuid.uuid4().hex}"
        try:  # polling: several HTTP requests per session, all to the same server
            await client.connect(stack.settings.public_url, transports=["polling"], wait_timeout=10,
                                 headers={"Origin": stack.settings.public_url})
            await client.emit("session_request", {"session_id": session})
            await asyncio.sleep(0.5)
            await client.emit("user_uttered", {"message": "c koi cléa", "session_id": session})
            return await asyncio.wait_for(answers.get(), timeout=30)
        finally:
            await client.eio.disconnect(abort=True)

    assert "certificat" in asyncio.run(converse())["text"]


def test_the_public_page_and_console_are_served_through_nginx(stack: ScaledStack):
    page = requests.get(f"{stack.settings.public_url}/", timeout=10)
    assert page.status_code == 200 and '<script src="/widget.js" defer>' in page.text
    assert requests.get(f"{stack.settings.public_url}/console/login", timeout=10).status_code == 200
