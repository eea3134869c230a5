"""Account management by the admin: re-enabling, never disabling oneself, 404 for a missing
account, and a one-time password shown once and never cached."""

from aiohttp.test_utils import TestClient


def test_the_admin_enables_a_disabled_account_again(console):
    lille = console.user_id("lille1")
    console.store.set_staff_active(lille, False)

    async def scenario(admin: TestClient, staff: TestClient) -> None:
        assert (await console.log_in(staff, "lille1")).status == 401
        await console.log_in(admin, "admin")
        page = await (await admin.get("/console/staff")).text()
        assert f'action="/console/staff/{lille}/enable"' in page and "Réactiver" in page
        response = await console.post_form(admin, f"/console/staff/{lille}/enable")
        assert response.status == 302 and response.headers["Location"] == "/console/staff"
        assert (await console.log_in(staff, "lille1")).status == 302

    console.run(scenario, browsers=2)
    assert console.store.staff_user(user_id=lille)["is_active"] is True


def test_only_the_admin_enables_an_account(console):
    lille = console.user_id("lille1")
    console.store.set_staff_active(lille, False)

    async def scenario(client: TestClient) -> None:
        await console.log_in(client, "amiens1")
        assert (await console.post_form(client, f"/console/staff/{lille}/enable")).status == 404

    console.run(scenario)
    assert console.store.staff_user(user_id=lille)["is_active"] is False


def test_the_admin_cannot_disable_their_own_account(console):
    admin_id = console.user_id("admin")

    async def scenario(client: TestClient) -> None:
        await console.log_in(client, "admin")
        response = await console.post_form(client, f"/console/staff/{admin_id}/disable")
        assert response.status == 400
        assert "Vous ne pouvez pas désactiver votre propre compte." in await response.text()
        assert (await client.get("/console/staff", allow_redirects=False)).status == 200

    console.run(scenario)
    assert console.store.staff_user(user_id=admin_id)["is_active"] is True


def test_a_missing_account_answers_404(console):
    async def scenario(client: TestClient) -> None:
        await console.log_in(client, "admin")
        for action in ("reset", "disable", "enable"):
            response = await console.post_form(client, f"/console/staff/999999/{action}")
            assert response.status == 404, action

    console.run(scenario)


def test_the_one_time_password_is_shown_once_and_never_cached(console):
    lille = console.user_id("lille1")

    async def scenario(admin: TestClient, staff: TestClient) -> None:
        await console.log_in(admin, "admin")
        response = await console.post_form(admin, f"/console/staff/{lille}/reset")
        assert response.headers["Cache-Control"] == "no-store"
        page = await response.text()
        new_password = page.split("une seule fois : <code>")[1].split("</code>")[0]
        assert len(new_password) >= 12
        assert new_password not in await (await admin.get("/console/staff")).text()
        assert (await console.log_in(staff, "lille1")).status == 401  # the old password is gone
        assert (await console.log_in(staff, "lille1", new_password)).status == 302

    console.run(scenario, browsers=2)
