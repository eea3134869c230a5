"""The dashboard from real data: its figures, its charts as SVG images beside their
tables, and the antenne it shows."""

from datetime import datetime, timedelta, timezone
from html import unescape

from aiohttp.test_utils import TestClient
from console_fixture import Console
from sqlalchemy import update

from dossiers.models import contact_attempt, pre_dossier
from dossiers.repository import NewPreDossier, Repository, now
from web.dashboard import duration, week_starts


def seed(store: Repository) -> list[str]:
    """Lille: a new one received 10 days ago (late), one reached 4 hours after arriving, one
    reached after 2 days; Amiens: one. Quiz levels on the Lille ones."""
    references = [
        store.create_pre_dossier(
            NewPreDossier(
                request_key=f"d{i}",
                sender_id=f"d{i}",
                antenne_id=antenne,
                first_name="Léa",
                last_name=f"N{i}",
                situation=situation,
                quiz_levels={3: level, 1: "a_l_aise"},
            )
        )[0]
        for i, (antenne, situation, level) in enumerate(
            [
                ("lille", "salarie", "a_travailler"),
                ("lille", "salarie", "a_consolider"),
                ("lille", "demandeur_emploi", "a_l_aise"),
                ("amiens", None, "a_travailler"),
            ]
        )
    ]
    with store.engine.begin() as connection:
        connection.execute(
            update(pre_dossier)
            .where(pre_dossier.c.reference == references[0])
            .values(created_at=now() - timedelta(days=10))
        )
    for reference, hours in ((references[1], 4), (references[2], 48)):
        store.log_contact(reference, None, "joint", "", reached=True)
        with store.engine.begin() as connection:
            connection.execute(
                update(contact_attempt)
                .where(contact_attempt.c.pre_dossier_id == store.get(reference)["id"])
                .values(at=store.get(reference)["created_at"] + timedelta(hours=hours))
            )
    return references


def test_an_antenne_sees_its_own_figures_with_tables(store: Repository, console: Console):
    seed(store)

    async def scenario(client: TestClient) -> None:
        await console.log_in(client, "lille1")
        page = unescape(await (await client.get("/console/dashboard")).text())
        assert "Tableau de bord – Lille" in page
        assert "<strong>1</strong> pré-dossier encore « Nouveau »" in page
        assert "Médiane : <strong>26 h</strong>" in page
        assert '<th scope="row">Nouveau</th><td>1</td>' in page
        assert '<th scope="row">Contacté</th><td>2</td>' in page
        assert '<th scope="row">Salarié(e)</th><td>2</td>' in page
        assert '<th scope="row">Le numérique</th><td>2</td>' in page  # below "à l'aise"
        assert 'src="/console/dashboard/weeks.svg"' in page
        assert "Candidats à former, par antenne" not in page  # one antenne: no such table
        chart = await client.get("/console/dashboard/statuses.svg")
        assert chart.status == 200 and chart.content_type == "image/svg+xml"
        assert (await chart.text()).lstrip().startswith("<?xml")
        assert "script-src" not in chart.headers["Content-Security-Policy"]
        page = await (await client.get("/console/dashboard?antenne=amiens")).text()
        assert "Tableau de bord – Lille" in page  # a staff member sees their antenne only

    console.run(scenario)


def test_the_admin_sees_the_region_and_each_antenne(store: Repository, console: Console):
    seed(store)

    async def scenario(client: TestClient) -> None:
        await console.log_in(client, "admin")
        page = unescape(await (await client.get("/console/dashboard")).text())
        assert "toutes les antennes" in page and '<th scope="row">Nouveau</th><td>2</td>' in page
        assert "Candidats à former, par antenne et par domaine" in page
        page = unescape(await (await client.get("/console/dashboard?antenne=amiens")).text())
        assert "Tableau de bord – Amiens" in page and "<strong>0</strong> pré-dossier" in page
        assert 'src="/console/dashboard/domains.svg?antenne=amiens"' in page

    console.run(scenario)


def test_weeks_and_durations():
    wednesday = datetime(2026, 12, 2, 10, tzinfo=timezone.utc)
    starts = week_starts(wednesday, 3)
    assert [s.strftime("%Y-%m-%d %a") for s in starts] == [
        "2026-11-16 Mon",
        "2026-11-23 Mon",
        "2026-11-30 Mon",
    ]
    assert duration(None) == "—" and duration(5) == "5 h" and duration(60) == "2,5 jours"
