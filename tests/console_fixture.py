"""The console with three accounts (Lille, Amiens, admin) and clients to drive it."""

import asyncio
import re

import pytest
from aiohttp.test_utils import TestClient, TestServer

from dossiers.repository import Repository
from web.app import create_app
from web.security import LoginLimiter, hash_password

PASSWORD = "un mot de passe long"


@pytest.fixture
def store(repository: Repository, monkeypatch) -> Repository:
    """The store on SQLite and on PostgreSQL, with lille1, amiens1 and admin; the web app's
    peer (127.0.0.1) is a trusted proxy, as by default."""
    monkeypatch.delenv("CLEA_TRUSTED_PROXIES", raising=False)
    for login, antenne in [("lille1", "lille"), ("amiens1", "amiens")]:
        repository.create_staff_user(login, login.title(), hash_password(PASSWORD), antenne)
    repository.create_staff_user("admin", "Admin", hash_password(PASSWORD), None, is_admin=True)
    return repository


class Console:
    """Runs a scenario against one web app with one or more browsers (cookie jars)."""

    password = PASSWORD

    def __init__(self, store: Repository) -> None:
        self.store = store

    def run(self, scenario, browsers: int = 1, limiter: LoginLimiter | None = None) -> None:
        async def main() -> None:
            server = TestServer(
                create_app(self.store, b"k" * 32, limiter=limiter or LoginLimiter())
            )
            clients = [TestClient(server) for _ in range(browsers)]
            try:
                for client in clients:
                    await client.start_server()
                await scenario(*clients)
            finally:
                for client in clients:
                    await client.close()

        asyncio.run(main())

    @staticmethod
    async def csrf_of(client: TestClient, path: str) -> str:
        page = await (await client.get(path)).text()
        return re.search(r'name="csrf" value="([^"]+)"', page).group(1)

    async def log_in(
        self,
        client: TestClient,
        login: str,
        password: str = PASSWORD,
        forwarded_for: str | None = None,
    ):
        token = await self.csrf_of(client, "/console/login")
        headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
        return await client.post(
            "/console/login",
            allow_redirects=False,
            headers=headers,
            data={"csrf": token, "login": login, "password": password},
        )

    async def post_form(
        self, client: TestClient, path: str, form_page: str = "/console", **data: str
    ):
        """Post a console form with the CSRF token of `form_page`, not following redirects."""
        token = await self.csrf_of(client, form_page)
        return await client.post(path, allow_redirects=False, data={"csrf": token, **data})

    @staticmethod
    def cookies(client: TestClient) -> dict[str, str]:
        return {cookie.key: cookie.value for cookie in client.session.cookie_jar}

    @staticmethod
    def restore(client: TestClient, cookies: dict[str, str]) -> None:
        """Put back cookies copied earlier: an old session cookie, as an attacker kept it."""
        client.session.cookie_jar.clear()
        client.session.cookie_jar.update_cookies(cookies, client.make_url("/"))

    def user_id(self, login: str) -> int:
        return self.store.staff_user(login=login)["id"]


@pytest.fixture
def console(store: Repository) -> Console:
    return Console(store)
