import json

import pytest

from referentiel.build_territory import DEFAULT_SOURCE, build
from referentiel.territory import DATA_FILE


@pytest.mark.skipif(not DEFAULT_SOURCE.exists(), reason="the Etalab source is not beside the checkout")
def test_territory_file_is_what_the_script_generates():
    source = json.loads(DEFAULT_SOURCE.read_text(encoding="utf-8"))
    assert json.loads(DATA_FILE.read_text(encoding="utf-8")) == build(source)


def test_delegated_communes_take_their_parents_postal_codes():
    source = {
        "source": "test", "region": {}, "departements": {}, "arrondissements": {},
        "communes": [
            {"insee": "02018", "nom": "Anizy-le-Grand", "type": "commune-actuelle",
             "departement": "02", "arrondissement": "022", "codes_postaux": ["02320"],
             "population": 2472},
            {"insee": "02018", "nom": "Anizy-le-Château", "type": "commune-deleguee",
             "departement": "02", "arrondissement": "022", "codes_postaux": [],
             "population": None, "commune_parente": "02018"},
        ],
    }
    rows = build(source)["communes"]
    assert rows == [
        ["02018", "Anizy-le-Grand", "02", "022", ["02320"], 2472],
        ["02018-2", "Anizy-le-Château", "02", "022", ["02320"], 0],
    ]
