"""The staff console through aiohttp's test client: authentication, isolation, CSRF, escaping."""

import asyncio
import csv
import io
import re
from html import unescape

import pytest
from aiohttp.test_utils import TestClient, TestServer

from dossiers.repository import NewPreDossier, Repository
from referentiel import load_referentiel
from web.app import create_app
from web.security import hash_password

PASSWORD = "un mot de passe long"
SCRIPT_NAME = "<script>alert(1)</script>"


@pytest.fixture
def store(repository: Repository) -> Repository:
    """The store on SQLite and on PostgreSQL, with a Lille, an Amiens and an admin account."""
    for login, antenne in [("lille1", "lille"), ("amiens1", "amiens")]:
        repository.create_staff_user(login, login.title(), hash_password(PASSWORD), antenne)
    repository.create_staff_user("admin", "Admin", hash_password(PASSWORD), None, is_admin=True)
    return repository


def dossier(store: Repository, antenne: str, last_name: str) -> str:
    return store.create_pre_dossier(
        NewPreDossier(
            request_key=f"{antenne}-{last_name}",
            sender_id=f"s-{antenne}",
            antenne_id=antenne,
            first_name="Léa",
            last_name=last_name,
            phone="06 12 34 56 78",
            quiz_levels={3: "a_travailler"},
        )
    )[0]


def run(store: Repository, scenario) -> None:
    async def main() -> None:
        async with TestClient(TestServer(create_app(store, b"k" * 32))) as client:
            await scenario(client)

    asyncio.run(main())


async def csrf_of(client: TestClient, path: str) -> str:
    page = await (await client.get(path)).text()
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


async def log_in(client: TestClient, login: str, password: str = PASSWORD):
    token = await csrf_of(client, "/console/login")
    return await client.post(
        "/console/login",
        allow_redirects=False,
        data={"csrf": token, "login": login, "password": password},
    )


def test_login_and_cookie_flags(store: Repository):
    async def scenario(client: TestClient) -> None:
        assert (await log_in(client, "lille1", "faux mot de passe")).status == 401
        response = await log_in(client, "lille1")
        assert response.status == 302 and response.headers["Location"] == "/console"
        cookie = response.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        assert (await client.get("/console")).status == 200

    run(store, scenario)


def test_pages_need_a_login(store: Repository):
    async def scenario(client: TestClient) -> None:
        response = await client.get("/console", allow_redirects=False)
        assert response.status == 302 and response.headers["Location"] == "/console/login"

    run(store, scenario)


def test_a_disabled_account_is_refused_and_logged_out(store: Repository):
    async def scenario(client: TestClient) -> None:
        await log_in(client, "lille1")
        store.set_staff_active(store.staff_user(login="lille1")["id"], False)
        response = await client.get("/console", allow_redirects=False)
        assert response.headers["Location"] == "/console/login"
        assert (await log_in(client, "lille1")).status == 401

    run(store, scenario)


def test_a_lille_account_never_reaches_an_amiens_pre_dossier(store: Repository):
    amiens = dossier(store, "amiens", "Dupont")
    lille = dossier(store, "lille", "Durand")

    async def scenario(client: TestClient) -> None:
        await log_in(client, "lille1")
        listing = await (await client.get("/console")).text()
        assert lille in listing and amiens not in listing
        assert amiens not in await (await client.get("/console?q=dupont")).text()
        assert (await client.get(f"/console/d/{amiens}")).status == 404
        token = await csrf_of(client, "/console")
        response = await client.post(f"/console/d/{amiens}/take", data={"csrf": token})
        assert response.status == 404
        response = await client.post(
            f"/console/d/{amiens}/status", data={"csrf": token, "status": "clos"}
        )
        assert response.status == 404
        assert store.get(amiens)["status"] == "nouveau"

    run(store, scenario)


def test_the_admin_sees_every_antenne(store: Repository):
    amiens, lille = dossier(store, "amiens", "Dupont"), dossier(store, "lille", "Durand")

    async def scenario(client: TestClient) -> None:
        await log_in(client, "admin")
        listing = await (await client.get("/console")).text()
        assert amiens in listing and lille in listing

    run(store, scenario)


def test_forms_without_the_csrf_token_are_refused(store: Repository):
    reference = dossier(store, "lille", "Durand")

    async def scenario(client: TestClient) -> None:
        await log_in(client, "lille1")
        assert (await client.post(f"/console/d/{reference}/take", data={})).status == 403
        response = await client.post(f"/console/d/{reference}/take", data={"csrf": "forged"})
        assert response.status == 403
        assert store.get(reference)["status"] == "nouveau"

    run(store, scenario)


def test_candidate_text_is_escaped(store: Repository):
    reference = dossier(store, "lille", SCRIPT_NAME)

    async def scenario(client: TestClient) -> None:
        await log_in(client, "lille1")
        for path in ("/console", f"/console/d/{reference}"):
            page = await (await client.get(path)).text()
            assert SCRIPT_NAME not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page

    run(store, scenario)


def test_take_then_close_with_a_reason_recorded_in_the_history(store: Repository):
    reference = dossier(store, "lille", "Durand")

    async def scenario(client: TestClient) -> None:
        await log_in(client, "lille1")
        token = await csrf_of(client, f"/console/d/{reference}")
        await client.post(f"/console/d/{reference}/take", data={"csrf": token})
        asked = await (
            await client.post(
                f"/console/d/{reference}/status",
                data={"csrf": token, "status": "clos", "reason": "Orienté"},
            )
        ).text()
        assert "de « Pris en charge » à « Clos » ?" in asked
        assert store.get(reference)["status"] == "pris_en_charge"  # asked, not done
        await client.post(
            f"/console/d/{reference}/status",
            data={"csrf": token, "status": "clos", "reason": "Orienté", "confirmed": "1"},
        )
        page = await (await client.get(f"/console/d/{reference}")).text()
        assert "Statut : <strong>Clos</strong>" in page and "Orienté" in page
        assert "<td>Le numérique</td><td>à apprendre</td>" in page

    run(store, scenario)
    user_id = store.staff_user(login="lille1")["id"]
    assert [h["staff_user_id"] for h in store.get(reference)["history"][1:]] == [user_id, user_id]


def test_login_attempts_are_rate_limited(store: Repository):
    async def scenario(client: TestClient) -> None:
        for _ in range(5):
            assert (await log_in(client, "lille1", "mauvais")).status == 401
        assert (await log_in(client, "lille1")).status == 429

    run(store, scenario)


def test_csv_export_opens_in_french_excel_and_neutralises_formulas(store: Repository):
    formula = dossier(store, "lille", '=HYPERLINK("http://x")')
    other = dossier(store, "amiens", "Dupont")

    async def scenario(client: TestClient) -> None:
        await log_in(client, "lille1")
        response = await client.get("/console/export.csv")
        raw = await response.read()
        assert response.headers["Content-Type"].startswith("text/csv")
        assert raw.startswith("\ufeff".encode("utf-8"))
        text = raw.decode("utf-8-sig")
        header, row = list(csv.reader(io.StringIO(text), delimiter=";"))[:2]
        assert header[:8] == [
            "Référence",
            "Antenne",
            "Statut",
            "Statut depuis le",
            "Reçu le",
            "Suivi par",
            "Prénom",
            "Nom",
        ]
        assert row[0] == formula and row[7] == '\'=HYPERLINK("http://x")'
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", row[4])  # sortable dates
        assert header[-7:] == [f"Test : {d.short}" for d in load_referentiel().domains]
        assert row[header.index("Test : Le numérique")] == "à apprendre"
        assert other not in text

    run(store, scenario)


def test_note_and_reassignment(store: Repository):
    reference = dossier(store, "lille", "Durand")

    async def scenario(client: TestClient) -> None:
        await log_in(client, "lille1")
        token = await csrf_of(client, f"/console/d/{reference}")
        await client.post(
            f"/console/d/{reference}/note", data={"csrf": token, "note": "Rappeler lundi"}
        )
        assert "Rappeler lundi" in await (await client.get(f"/console/d/{reference}")).text()
        asked = unescape(
            await (
                await client.post(
                    f"/console/d/{reference}/reassign", data={"csrf": token, "antenne": "arras"}
                )
            ).text()
        )
        assert "à l'antenne d'Arras ?" in asked and store.get(reference)["antenne_id"] == "lille"
        page = unescape(
            await (
                await client.post(
                    f"/console/d/{reference}/reassign",
                    data={"csrf": token, "antenne": "arras", "confirmed": "1"},
                )
            ).text()
        )
        assert f"{reference} est confié à l'antenne d'Arras." in page
        assert reference not in await (await client.get("/console")).text()
        assert (await client.get(f"/console/d/{reference}")).status == 404

    run(store, scenario)
    assert store.get(reference)["antenne_id"] == "arras"
    assert [h["kind"] for h in store.get(reference)["history"]] == ["created", "note", "reassigned"]


def test_filters_by_situation(store: Repository):
    reference = dossier(store, "lille", "Durand")

    async def scenario(client: TestClient) -> None:
        await log_in(client, "lille1")
        assert reference not in await (await client.get("/console?situation=salarie")).text()
        assert reference in await (await client.get("/console?period=7")).text()

    run(store, scenario)


def test_a_staff_member_changes_their_password(store: Repository):
    async def scenario(client: TestClient) -> None:
        await log_in(client, "lille1")
        token = await csrf_of(client, "/console/password")
        page = await (
            await client.post(
                "/console/password",
                data={"csrf": token, "current": "faux", "new": "trois chats sous la pluie"},
            )
        ).text()
        assert "actuel est incorrect" in page
        page = await (
            await client.post(
                "/console/password",
                data={"csrf": token, "current": PASSWORD, "new": "trois chats sous la pluie"},
            )
        ).text()
        assert "est changé" in page

    run(store, scenario)
    assert store.staff_user(login="lille1")["password_hash"].startswith("$argon2id$")


def test_only_the_admin_manages_accounts(store: Repository):
    lille_id = store.staff_user(login="lille1")["id"]

    async def scenario(client: TestClient) -> None:
        await log_in(client, "amiens1")
        assert (await client.get("/console/staff")).status == 404
        await client.post("/console/logout", data={"csrf": await csrf_of(client, "/console")})
        await log_in(client, "admin")
        token = await csrf_of(client, "/console/staff")
        page = await (
            await client.post(f"/console/staff/{lille_id}/reset", data={"csrf": token})
        ).text()
        assert "Mot de passe de lille1, à transmettre une seule fois" in page
        await client.post(f"/console/staff/{lille_id}/disable", data={"csrf": token})

    run(store, scenario)
    assert store.staff_user(login="lille1")["is_active"] is False
