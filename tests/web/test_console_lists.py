"""The console at volume: pages with their total, orders, views, the admin's region,
whole exports, and actions that ask first and can be undone."""

import csv
import io
import re
import tempfile
from datetime import datetime, timedelta
from html import unescape
from pathlib import Path

from aiohttp.test_utils import TestClient
from console_fixture import Console
from openpyxl import load_workbook
from sqlalchemy import update

from dossiers.models import pre_dossier
from dossiers.repository import NewPreDossier, Repository, now

REFERENCE = re.compile(r'href="/console/d/(CLEA-\d{4}-\w{4})"')


def seed(store: Repository, antenne: str, count: int, **values) -> list[str]:
    return [
        store.create_pre_dossier(
            NewPreDossier(
                request_key=f"{antenne}-{i}-{values}",
                sender_id=f"s-{antenne}-{i}",
                antenne_id=antenne,
                first_name="Léa",
                last_name=f"Nom{i:03d}",
                **values,
            )
        )[0]
        for i in range(count)
    ]


def received_days_ago(store: Repository, reference: str, days: int) -> None:
    with store.engine.begin() as connection:
        connection.execute(
            update(pre_dossier)
            .where(pre_dossier.c.reference == reference)
            .values(created_at=now() - timedelta(days=days))
        )


def test_260_requests_in_pages_of_50_with_the_total_and_none_lost(
    store: Repository, console: Console
):
    references = set(seed(store, "lille", 260))

    async def scenario(client: TestClient) -> None:
        await console.log_in(client, "lille1")
        seen: list[str] = []
        page = unescape(await (await client.get("/console")).text())
        assert "1–50 sur 260" in page and "Page précédente" not in page
        for number in range(2, 7):
            seen += REFERENCE.findall(page)
            link = re.search(r'href="([^"]+)" rel="next"', page).group(1)
            page = unescape(await (await client.get(link)).text())
            assert f"page={number}" in link
        seen += REFERENCE.findall(page)
        assert "251–260 sur 260" in page and 'rel="next"' not in page
        assert len(seen) == 260 and set(seen) == references
        export = (await (await client.get("/console/export.csv")).read()).decode("utf-8-sig")
        assert len(list(csv.reader(io.StringIO(export), delimiter=";"))) == 261

    console.run(scenario)


def test_sorted_by_commune_and_by_the_longest_wait(store: Repository, console: Console):
    references = [
        seed(store, "lille", 1, commune=name)[0] for name in ("Roubaix", "Armentières", "Lille")
    ]
    received_days_ago(store, references[2], 9)

    async def scenario(client: TestClient) -> None:
        await console.log_in(client, "lille1")
        page = await (await client.get("/console?sort=commune&dir=asc")).text()
        assert REFERENCE.findall(page) == [references[1], references[2], references[0]]
        assert 'aria-sort="ascending"' in page
        page = await (await client.get("/console?sort=waiting")).text()
        assert REFERENCE.findall(page)[0] == references[2]

    console.run(scenario)


def test_views_mine_unassigned_and_late_with_the_late_ones_highlighted(
    store: Repository, console: Console
):
    mine, late, other = seed(store, "lille", 3)
    store.take(mine, store.staff_user(login="lille1")["id"])
    received_days_ago(store, late, 10)

    async def scenario(client: TestClient) -> None:
        await console.log_in(client, "lille1")
        assert REFERENCE.findall(await (await client.get("/console?view=mine")).text()) == [mine]
        unassigned = REFERENCE.findall(await (await client.get("/console?view=unassigned")).text())
        assert set(unassigned) == {late, other}
        page = await (await client.get("/console?view=overdue")).text()
        assert REFERENCE.findall(page) == [late]
        assert '<tr class="late">' in page and "en retard" in page
        assert 'class="late"' not in await (await client.get("/console?view=mine")).text()

    console.run(scenario)


def test_the_admin_sees_every_antenne_with_its_counts_and_can_filter(
    store: Repository, console: Console
):
    seed(store, "lille", 3)
    amiens = seed(store, "amiens", 2)

    async def scenario(client: TestClient) -> None:
        await console.log_in(client, "admin")
        page = await (await client.get("/console")).text()
        assert "<caption>Par antenne</caption>" in page
        assert re.search(r"Amiens</a></th><td>2</td><td>0</td><td>2</td>", page)
        assert "1–5 sur 5" in page and "<td>Amiens</td>" in page
        filtered = await (await client.get("/console?antenne=amiens")).text()
        assert set(REFERENCE.findall(filtered)) == set(amiens)

    async def staff(client: TestClient) -> None:
        await console.log_in(client, "lille1")
        page = await (await client.get("/console?antenne=amiens")).text()
        assert "Par antenne" not in page and "1–3 sur 3" in page  # their antenne only

    console.run(scenario)
    console.run(staff)


def test_the_status_shown_is_the_current_one_and_an_empty_note_says_so(
    store: Repository, console: Console
):
    reference = seed(store, "lille", 1)[0]
    store.change_status(reference, None, "contacte")

    async def scenario(client: TestClient) -> None:
        await console.log_in(client, "lille1")
        page = await (await client.get(f"/console/d/{reference}")).text()
        assert '<option value="contacte" selected>' in page
        token = await console.csrf_of(client, f"/console/d/{reference}")
        page = unescape(
            await (
                await client.post(
                    f"/console/d/{reference}/note", data={"csrf": token, "note": "  "}
                )
            ).text()
        )
        assert "La note est vide : rien n'est ajouté." in page
        page = unescape(
            await (
                await client.post(
                    f"/console/d/{reference}/note", data={"csrf": token, "note": "Rappel"}
                )
            ).text()
        )
        assert "Note ajoutée." in page

    console.run(scenario)


def test_going_back_to_new_asks_first_and_can_be_undone_by_its_author_only(
    store: Repository, console: Console
):
    reference = seed(store, "lille", 1)[0]
    store.change_status(reference, None, "contacte")
    store.create_staff_user(
        "lille2", "Lille2", store.staff_user(login="lille1")["password_hash"], "lille"
    )

    async def scenario(client: TestClient) -> None:
        await console.log_in(client, "lille1")
        token = await console.csrf_of(client, f"/console/d/{reference}")
        asked = unescape(
            await (
                await client.post(
                    f"/console/d/{reference}/status", data={"csrf": token, "status": "nouveau"}
                )
            ).text()
        )
        assert "de « Contacté » à « Nouveau » ?" in asked and "Ne rien changer" in asked
        page = unescape(
            await (
                await client.post(
                    f"/console/d/{reference}/status",
                    data={"csrf": token, "status": "nouveau", "confirmed": "1"},
                )
            ).text()
        )
        assert "Statut changé : « Nouveau »." in page
        undo = re.search(r'action="(/console/undo/\d+)"', page).group(1)
        await client.post("/console/logout", data={"csrf": token})
        await console.log_in(client, "lille2")
        page = unescape(
            await (
                await client.post(undo, data={"csrf": await console.csrf_of(client, "/console")})
            ).text()
        )
        assert "ne peut plus être annulé" in page and store.get(reference)["status"] == "nouveau"
        await client.post(
            "/console/logout", data={"csrf": await console.csrf_of(client, "/console")}
        )
        await console.log_in(client, "lille1")
        page = unescape(
            await (
                await client.post(undo, data={"csrf": await console.csrf_of(client, "/console")})
            ).text()
        )
        assert "Annulé : le statut est de nouveau « Contacté »." in page
        assert "annulé, de nouveau « Contacté »" in page

    console.run(scenario)
    assert store.get(reference)["status"] == "contacte"


def test_a_reassignment_is_undone_by_the_one_who_made_it(store: Repository, console: Console):
    reference = seed(store, "lille", 1)[0]

    async def scenario(client: TestClient) -> None:
        await console.log_in(client, "lille1")
        token = await console.csrf_of(client, f"/console/d/{reference}")
        page = await (
            await client.post(
                f"/console/d/{reference}/reassign",
                data={"csrf": token, "antenne": "arras", "confirmed": "1"},
            )
        ).text()
        assert reference not in REFERENCE.findall(page)
        undo = re.search(r'action="(/console/undo/\d+)"', page).group(1)
        page = unescape(await (await client.post(undo, data={"csrf": token})).text())
        assert f"Annulé : {reference} est de nouveau à l'antenne de Lille." in page
        again = unescape(await (await client.post(undo, data={"csrf": token})).text())
        assert "ne peut plus être annulé" in again  # once only

    console.run(scenario)
    assert store.get(reference)["antenne_id"] == "lille"


def test_a_call_is_logged_and_shows_in_the_list(store: Repository, console: Console):
    reference = seed(store, "lille", 1, phone="06 12 34 56 78")[0]

    async def scenario(client: TestClient) -> None:
        await console.log_in(client, "lille1")
        token = await console.csrf_of(client, f"/console/d/{reference}")
        page = unescape(
            await (
                await client.post(
                    f"/console/d/{reference}/contact",
                    data={"csrf": token, "outcome": "message_laisse", "comment": "Répondeur"},
                )
            ).text()
        )
        assert "Appel noté : « Message laissé »." in page and "Répondeur" in page
        page = unescape(
            await (
                await client.post(
                    f"/console/d/{reference}/contact", data={"csrf": token, "outcome": "joint"}
                )
            ).text()
        )
        assert "Le statut passe à « Contacté »." in page
        refused = unescape(
            await (
                await client.post(
                    f"/console/d/{reference}/contact", data={"csrf": token, "outcome": "=1+1"}
                )
            ).text()
        )
        assert "Choisissez le résultat de l'appel." in refused
        listed = unescape(await (await client.get("/console")).text())
        assert " : Joint</td>" in listed and 'href="tel:0612345678"' in listed

    console.run(scenario)
    assert [c["outcome"] for c in store.get(reference)["contacts"]] == ["joint", "message_laisse"]


def test_the_admin_creates_changes_and_re_enables_accounts(store: Repository, console: Console):
    async def scenario(client: TestClient) -> None:
        await console.log_in(client, "admin")
        token = await console.csrf_of(client, "/console/staff")
        created = unescape(
            await (
                await client.post(
                    "/console/staff",
                    data={
                        "csrf": token,
                        "login": "valenciennes1",
                        "name": "Agent Val",
                        "antenne": "valenciennes",
                    },
                )
            ).text()
        )
        password = re.search(r"<code>([^<]+)</code>", created).group(1)
        assert "Compte valenciennes1 créé." in created and len(password) >= 16
        again = unescape(
            await (
                await client.post(
                    "/console/staff",
                    data={"csrf": token, "login": "valenciennes1", "name": "X", "antenne": "lille"},
                )
            ).text()
        )
        assert "L'identifiant valenciennes1 existe déjà." in again
        account = store.staff_user(login="valenciennes1")
        page = unescape(
            await (
                await client.post(
                    f"/console/staff/{account['id']}/edit",
                    data={"csrf": token, "name": "Agente Valenciennes", "antenne": "amiens"},
                )
            ).text()
        )
        assert "Compte valenciennes1 modifié." in page and "jamais" in page
        await client.post(f"/console/staff/{account['id']}/disable", data={"csrf": token})
        await client.post(f"/console/staff/{account['id']}/enable", data={"csrf": token})
        other = TestClient(client.server)
        await other.start_server()
        try:  # the one-time password opens the password page only, until replaced
            assert (await console.log_in(other, "valenciennes1", password)).status == 302
            first = await other.get("/console", allow_redirects=False)
            assert first.headers["Location"] == "/console/password"
            page = unescape(await (await other.get("/console/password")).text())
            assert "choisissez le vôtre" in page
            token = await console.csrf_of(other, "/console/password")
            changed = unescape(
                await (
                    await other.post(
                        "/console/password",
                        data={
                            "csrf": token,
                            "current": password,
                            "new": "trois chats sous la pluie",
                        },
                    )
                ).text()
            )
            assert "est changé" in changed
            assert (await other.get("/console", allow_redirects=False)).status == 200
        finally:
            await other.close()

    console.run(scenario)
    account = store.staff_user(login="valenciennes1")
    assert (account["name"], account["antenne_id"], account["is_active"]) == (
        "Agente Valenciennes",
        "amiens",
        True,
    )
    assert account["last_login_at"] is not None


def test_the_spreadsheet_export_has_typed_dates_and_never_a_formula(
    store: Repository, console: Console
):
    seed(store, "lille", 3)
    formula = store.create_pre_dossier(
        NewPreDossier(
            request_key="f",
            sender_id="f",
            antenne_id="lille",
            first_name="Léa",
            last_name='=HYPERLINK("http://x")',
        )
    )[0]
    temporary = set(Path(tempfile.gettempdir()).glob("*.xlsx"))

    async def scenario(client: TestClient) -> None:
        await console.log_in(client, "lille1")
        response = await client.get("/console/export.xlsx")
        assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
        assert response.headers["Cache-Control"] == "no-store"
        sheet = load_workbook(io.BytesIO(await response.read()))["Pré-dossiers"]
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][:5] == ("Référence", "Antenne", "Statut", "Statut depuis le", "Reçu le")
        assert len(rows) == 5 and isinstance(rows[1][4], datetime)
        last = {cell.value: cell.data_type for cell in sheet[5]}
        assert last['=HYPERLINK("http://x")'] == "s" and rows[4][0] == formula

    console.run(scenario)
    assert set(Path(tempfile.gettempdir()).glob("*.xlsx")) == temporary  # deleted after sending


def test_a_password_reset_by_the_admin_is_replaced_at_the_next_login(
    store: Repository, console: Console
):
    async def scenario(admin: TestClient, staff: TestClient) -> None:
        await console.log_in(admin, "admin")
        page = await (
            await console.post_form(
                admin, f"/console/staff/{console.user_id('lille1')}/reset", "/console/staff"
            )
        ).text()
        password = re.search(r"<code>([^<]+)</code>", page).group(1)
        await console.log_in(staff, "lille1", password)
        assert (await staff.get("/console/d/CLEA-2026-ZZZZ", allow_redirects=False)).headers[
            "Location"
        ] == "/console/password"

    console.run(scenario, browsers=2)
    assert store.staff_user(login="lille1")["must_change_password"] is True
