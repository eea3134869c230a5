"""The CSV export: every cell quoted, formulas neutralised also after spaces or tabs and
after a "," or ";" inside the text; the BOM and ";" kept."""

import csv
import io

import pytest
from aiohttp.test_utils import TestClient

from dossiers.repository import NewPreDossier
from web.export import neutralise


@pytest.mark.parametrize(
    "value",
    [
        "le matin,=2+3",
        "  =1+1",
        "\t=1+1",
        " \t+33 6",
        "Durand; @SUM(A1)",
        "a,b, -2",
        "x;=cmd|' /C calc'!A0",
        "\nx",
    ],
)
def test_formulas_hidden_after_spaces_or_separators_are_neutralised(value: str):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["le matin, vers 10 h", "Jean-Pierre", "a - b", "2+3", "x = 1"])
def test_harmless_text_is_kept(value: str):
    assert neutralise(value) == value


def test_the_export_quotes_every_cell_and_neutralises_hidden_formulas(console):
    reference = console.store.create_pre_dossier(
        NewPreDossier(
            request_key="k1",
            sender_id="s1",
            antenne_id="lille",
            first_name="Léa",
            last_name="  =1+1",
            contact_time="le matin,=2+3",
        )
    )[0]

    async def scenario(client: TestClient) -> None:
        await console.log_in(client, "lille1")
        raw = await (await client.get("/console/export.csv")).read()
        assert raw.startswith("\ufeff".encode("utf-8"))
        text = raw.decode("utf-8-sig")
        for line in text.splitlines():
            assert line.startswith('"') and line.endswith('"')
            assert line.count('";"') == 23  # 24 columns, each quoted
        header, row = list(csv.reader(io.StringIO(text), delimiter=";"))
        cell = dict(zip(header, row))
        assert header[0] == "Référence" and row[0] == reference
        assert cell["Nom"] == "'  =1+1" and cell["Moment d'appel"] == "'le matin,=2+3"
        assert cell["Téléphone"] == ""  # no phone: an empty quoted cell

    console.run(scenario)
