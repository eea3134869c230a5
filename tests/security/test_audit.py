"""The audit trail: failed logins (the login tried, never the password), lockouts, password
changes and resets, disables, re-enables and CSV exports, with who, when and from where;
shown to admins only at /console/audit, newest first, 200 lines at most."""

import re

from aiohttp.test_utils import TestClient

from web.security import ACCOUNT_LIMIT, LoginLimiter

SECRET_TRY = "un-essai-tres-secret"


def actions(store) -> list[tuple]:
    return [
        (line["action"], line["staff_login"], line["subject"], line["client"])
        for line in store.list_audit()
    ]


def test_failed_logins_and_lockouts_are_recorded_without_the_password(console):
    async def scenario(client: TestClient) -> None:
        for _ in range(ACCOUNT_LIMIT):
            await console.log_in(client, "lille1", SECRET_TRY, forwarded_for="203.0.113.7")
        await console.log_in(client, "personne", SECRET_TRY, forwarded_for="203.0.113.7")

    console.run(scenario, limiter=LoginLimiter(client_limit=ACCOUNT_LIMIT + 1))
    assert (
        actions(console.store)
        == [
            ("client_locked", None, "203.0.113.7", "203.0.113.7"),
            ("login_failed", None, "personne", "203.0.113.7"),
            ("account_locked", None, "lille1", "203.0.113.7"),
        ]
        + [("login_failed", None, "lille1", "203.0.113.7")] * ACCOUNT_LIMIT
    )
    assert SECRET_TRY not in repr(console.store.list_audit())


def test_account_changes_and_exports_are_recorded_with_who_did_them(console):
    lille = console.user_id("lille1")

    async def scenario(admin: TestClient, staff: TestClient) -> None:
        await console.log_in(staff, "amiens1")
        await console.post_form(
            staff,
            "/console/password",
            "/console/password",
            current=console.password,
            new="trois chats sous la pluie",
        )
        await staff.get("/console/export.csv?status=nouveau")
        await console.log_in(admin, "admin")
        for action in ("reset", "disable", "enable"):
            await console.post_form(admin, f"/console/staff/{lille}/{action}")

    console.run(scenario, browsers=2)
    assert [line[:3] for line in actions(console.store)] == [
        ("account_enabled", "admin", "lille1"),
        ("account_disabled", "admin", "lille1"),
        ("password_reset", "admin", "lille1"),
        ("csv_export", "amiens1", "0 lignes status=nouveau"),
        ("password_changed", "amiens1", "amiens1"),
    ]
    assert {line[3] for line in actions(console.store)} == {"127.0.0.1"}
    assert all(line["at"] is not None for line in console.store.list_audit())


def test_admins_read_the_audit_page_newest_first_and_others_get_404(console):
    for i in range(205):
        console.store.record_audit("login_failed", None, f"essai{i:03d}", "203.0.113.1")

    async def scenario(admin: TestClient, staff: TestClient) -> None:
        await console.log_in(staff, "lille1")
        assert (await staff.get("/console/audit")).status == 404
        await console.log_in(admin, "admin")
        assert 'href="/console/audit"' in await (await admin.get("/console/staff")).text()
        page = await (await admin.get("/console/audit")).text()
        tried = re.findall(r"essai\d{3}", page)
        assert len(tried) == 200 and tried[0] == "essai204" and tried[-1] == "essai005"
        assert "Connexion refusée" in page and "203.0.113.1" in page

    console.run(scenario, browsers=2)
