"""Server-side session revocation: an old session cookie stops working after a logout, a
password change, an admin's reset and a disable, as the account's session version goes up."""

from aiohttp.test_utils import TestClient

NEW_PASSWORD = "trois chats sous la pluie"


async def logged_out(client: TestClient) -> bool:
    response = await client.get("/console", allow_redirects=False)
    return response.status == 302 and response.headers["Location"] == "/console/login"


def test_an_old_cookie_is_refused_after_logout(console):
    async def scenario(client: TestClient) -> None:
        await console.log_in(client, "lille1")
        kept = console.cookies(client)
        assert (await console.post_form(client, "/console/logout")).status == 302
        console.restore(client, kept)
        assert await logged_out(client)

    console.run(scenario)


def test_logout_ends_the_sessions_of_the_account_in_other_browsers(console):
    async def scenario(office: TestClient, home: TestClient) -> None:
        await console.log_in(office, "lille1")
        await console.log_in(home, "lille1")
        await console.post_form(office, "/console/logout")
        assert await logged_out(home)

    console.run(scenario, browsers=2)


def test_a_password_change_keeps_its_own_session_and_ends_the_others(console):
    async def scenario(client: TestClient, other: TestClient) -> None:
        await console.log_in(client, "lille1")
        await console.log_in(other, "lille1")
        kept = console.cookies(client)
        response = await console.post_form(
            client,
            "/console/password",
            "/console/password",
            current=console.password,
            new=NEW_PASSWORD,
        )
        assert "est changé" in await response.text()
        assert (await client.get("/console", allow_redirects=False)).status == 200
        assert await logged_out(other)
        console.restore(client, kept)
        assert await logged_out(client)

    console.run(scenario, browsers=2)


def test_an_old_cookie_is_refused_after_an_admin_reset(console):
    async def scenario(staff: TestClient, admin: TestClient) -> None:
        await console.log_in(staff, "lille1")
        kept = console.cookies(staff)
        await console.log_in(admin, "admin")
        response = await console.post_form(
            admin, f"/console/staff/{console.user_id('lille1')}/reset"
        )
        assert response.status == 200
        console.restore(staff, kept)
        assert await logged_out(staff)

    console.run(scenario, browsers=2)


def test_an_old_cookie_is_refused_after_a_disable_even_once_enabled_again(console):
    async def scenario(staff: TestClient, admin: TestClient) -> None:
        await console.log_in(staff, "lille1")
        kept = console.cookies(staff)
        await console.log_in(admin, "admin")
        lille = console.user_id("lille1")
        response = await console.post_form(admin, f"/console/staff/{lille}/disable")
        assert response.status == 302
        console.store.set_staff_active(console.user_id("lille1"), True)
        console.restore(staff, kept)
        assert await logged_out(staff)
        assert (await console.log_in(staff, "lille1")).status == 302  # a new login works

    console.run(scenario, browsers=2)


def test_the_session_cookie_carries_the_account_s_session_version(console):
    version = console.store.staff_user(login="lille1")["session_version"]

    async def scenario(client: TestClient) -> None:
        await console.log_in(client, "lille1")
        assert (await client.get("/console", allow_redirects=False)).status == 200
        console.store.end_sessions(console.user_id("lille1"))  # e.g. from another web app
        assert await logged_out(client)

    console.run(scenario)
    assert console.store.staff_user(login="lille1")["session_version"] == version + 1
