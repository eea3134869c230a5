"""Login limits behind nginx: failures counted per account and per client (X-Forwarded-For
only from a trusted proxy), reset only by the account's own success, shared through Redis;
unknown and disabled logins take as long as a wrong password."""

import statistics
import time
import uuid

import pytest
import redis
from aiohttp.test_utils import TestClient

from web.security import (
    ACCOUNT_LIMIT,
    CLIENT_LIMIT,
    WINDOW_S,
    LoginLimiter,
    MemoryCounter,
    RedisCounter,
)


def test_the_limits_are_those_the_readme_states():
    assert (ACCOUNT_LIMIT, CLIENT_LIMIT, WINDOW_S) == (5, 20, 300)


def test_failures_from_many_clients_block_that_account_and_not_another(console):
    async def scenario(client: TestClient) -> None:
        for i in range(ACCOUNT_LIMIT):
            response = await console.log_in(client, "lille1", "mauvais", f"203.0.113.{i}")
            assert response.status == 401
        assert (await console.log_in(client, "lille1", forwarded_for="198.51.100.1")).status == 429
        assert (await console.log_in(client, "amiens1", forwarded_for="198.51.100.2")).status == 302

    console.run(scenario)


def test_the_client_is_the_right_most_forwarded_address(console):
    async def scenario(client: TestClient) -> None:
        for i in range(3):  # the left part is the client's to choose; nginx appends the right-most
            response = await console.log_in(client, f"inconnu{i}", "x", f"10.0.0.{i}, 203.0.113.5")
            assert response.status == 401
        blocked = await console.log_in(client, "lille1", forwarded_for="10.0.0.9, 203.0.113.5")
        assert blocked.status == 429
        assert (await console.log_in(client, "lille1", forwarded_for="203.0.113.6")).status == 302

    console.run(scenario, limiter=LoginLimiter(client_limit=3))


def test_forwarded_for_from_an_untrusted_peer_is_ignored(console, monkeypatch):
    monkeypatch.setenv("CLEA_TRUSTED_PROXIES", "192.0.2.1")  # not the test client's 127.0.0.1

    async def scenario(client: TestClient) -> None:
        for i in range(3):
            response = await console.log_in(client, f"inconnu{i}", "x", f"203.0.113.{i}")
            assert response.status == 401
        assert (await console.log_in(client, "lille1", forwarded_for="203.0.113.9")).status == 429

    console.run(scenario, limiter=LoginLimiter(client_limit=3))


def test_a_success_on_another_account_resets_neither_the_account_nor_the_client(console):
    async def scenario(client: TestClient) -> None:
        for _ in range(ACCOUNT_LIMIT - 1):
            assert (await console.log_in(client, "lille1", "mauvais")).status == 401
        assert (await console.log_in(client, "amiens1")).status == 302
        assert (await console.log_in(client, "lille1", "mauvais")).status == 401
        assert (await console.log_in(client, "lille1")).status == 429  # lille1: 5 failures
        assert (await console.log_in(client, "admin")).status == 429  # the client: 5 failures

    console.run(scenario, limiter=LoginLimiter(client_limit=ACCOUNT_LIMIT))


def test_a_success_resets_only_its_own_account():
    limiter, client = LoginLimiter(MemoryCounter(), account_limit=2, client_limit=4), "203.0.113.1"
    limiter.failed("lille1", client)
    limiter.failed("amiens1", client)
    limiter.succeeded("lille1")
    assert not limiter.blocked("lille1")
    assert limiter.failed("amiens1", client) == ["account"]  # the client's third failure
    assert limiter.blocked("amiens1") and not limiter.blocked("lille1", client)
    assert limiter.failed("lille1", client) == ["client"]
    assert limiter.blocked("lille1", client) and not limiter.blocked("lille1")


def test_tries_of_the_current_password_are_limited_per_account(console):
    async def scenario(client: TestClient) -> None:
        await console.log_in(client, "lille1")
        for _ in range(ACCOUNT_LIMIT):
            response = await console.post_form(
                client,
                "/console/password",
                "/console/password",
                current="mauvais",
                new="trois chats sous la pluie",
            )
            assert "actuel est incorrect" in await response.text()
        response = await console.post_form(
            client,
            "/console/password",
            "/console/password",
            current=console.password,
            new="trois chats sous la pluie",
        )
        assert response.status == 429
        assert (await console.log_in(client, "lille1")).status == 429

    console.run(scenario)
    assert console.store.staff_user(login="lille1")["session_version"] == 0  # unchanged


async def seconds_per_login(console, client: TestClient, logins: list[str]) -> float:
    durations = []
    for login in logins:
        started = time.perf_counter()
        assert (await console.log_in(client, login, "mauvais mot de passe")).status == 401
        durations.append(time.perf_counter() - started)
    return statistics.median(durations)


def test_unknown_and_disabled_logins_take_as_long_as_a_wrong_password(console):
    console.store.create_staff_user(
        "parti", "Parti", console.store.staff_user(login="lille1")["password_hash"], "lille"
    )
    console.store.set_staff_active(console.user_id("parti"), False)

    async def scenario(client: TestClient) -> None:
        await seconds_per_login(console, client, ["lille1"])  # warm-up
        wrong = await seconds_per_login(console, client, ["amiens1"] * 3)
        unknown = await seconds_per_login(console, client, ["inconnu1", "inconnu2", "inconnu3"])
        disabled = await seconds_per_login(console, client, ["parti"] * 3)
        assert unknown >= wrong / 2 and disabled >= wrong / 2, (wrong, unknown, disabled)

    console.run(scenario, limiter=LoginLimiter(account_limit=10, client_limit=100))


@pytest.fixture
def redis_client():
    client = redis.Redis(host="127.0.0.1", port=6379, db=1, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis unreachable at 127.0.0.1:6379: {error}")
    yield client
    client.close()


def test_two_redis_limiters_share_their_counts_with_keys_expiring_with_the_window(redis_client):
    prefix = f"clea-test-{uuid.uuid4().hex[:8]}"
    first, second = (LoginLimiter(RedisCounter(redis_client, prefix)) for _ in range(2))
    try:
        for _ in range(ACCOUNT_LIMIT - 1):
            first.failed("lille1", "203.0.113.1")
        assert not second.blocked("lille1")
        assert second.failed("lille1", "203.0.113.2") == ["account"]
        assert first.blocked("lille1") and not first.blocked("amiens1", "203.0.113.3")
        keys = redis_client.keys(f"{prefix}:*")
        assert len(keys) == 3 and all(0 < redis_client.ttl(key) <= WINDOW_S for key in keys)
        first.succeeded("lille1")
        assert not second.blocked("lille1")
    finally:
        for key in redis_client.keys(f"{prefix}:*"):
            redis_client.delete(key)


def test_the_limiter_counts_in_redis_when_clea_redis_host_is_set(monkeypatch):
    monkeypatch.delenv("CLEA_REDIS_HOST", raising=False)
    assert isinstance(LoginLimiter.from_settings().counter, MemoryCounter)
    monkeypatch.setenv("CLEA_REDIS_HOST", "127.0.0.1")
    monkeypatch.setenv("CLEA_REDIS_PREFIX", "autre")
    counter = LoginLimiter.from_settings().counter
    assert isinstance(counter, RedisCounter) and counter.prefix == "autre"
    assert counter.client.connection_pool.connection_kwargs["db"] == 1
