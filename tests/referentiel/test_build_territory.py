import json
from pathlib import Path

import pytest
import yaml

from referentiel.build_territory import (
    DEFAULT_SOURCE,
    FRANCE_SOURCE,
    PLACE_RULES_OUTPUT,
    PLACES_OUTPUT,
    RULES,
    TEMPLATES,
    build,
    build_france,
    build_place_rules,
    build_places,
)
from referentiel.territory import DATA_FILE, FRANCE_FILE, load_territory


@pytest.mark.skipif(
    not DEFAULT_SOURCE.exists(), reason="the Etalab source is not beside the checkout"
)
def test_territory_file_is_what_the_script_generates():
    source = json.loads(DEFAULT_SOURCE.read_text(encoding="utf-8"))
    assert json.loads(DATA_FILE.read_text(encoding="utf-8")) == build(source)


def test_delegated_communes_take_their_parents_postal_codes():
    source = {
        "source": "test",
        "region": {},
        "departements": {},
        "arrondissements": {},
        "communes": [
            {
                "insee": "02018",
                "nom": "Anizy-le-Grand",
                "type": "commune-actuelle",
                "departement": "02",
                "arrondissement": "022",
                "codes_postaux": ["02320"],
                "population": 2472,
            },
            {
                "insee": "02018",
                "nom": "Anizy-le-Château",
                "type": "commune-deleguee",
                "departement": "02",
                "arrondissement": "022",
                "codes_postaux": [],
                "population": None,
                "commune_parente": "02018",
            },
        ],
    }
    rows = build(source)["communes"]
    assert rows == [
        ["02018", "Anizy-le-Grand", "02", "022", ["02320"], 2472],
        ["02018-2", "Anizy-le-Château", "02", "022", ["02320"], 0],
    ]


def test_generated_files_are_what_the_script_generates():
    """`make territory` was run after the templates, the rules or the data changed."""
    templates = yaml.safe_load(TEMPLATES.read_text(encoding="utf-8"))
    assert PLACES_OUTPUT.read_text(encoding="utf-8") == build_places(templates, load_territory())
    rule_files = sorted(p for p in RULES.glob("*.yml") if p != PLACE_RULES_OUTPUT)
    assert PLACE_RULES_OUTPUT.read_text(encoding="utf-8") == build_place_rules(rule_files)
    if FRANCE_SOURCE.exists():
        france = json.loads(FRANCE_FILE.read_text(encoding="utf-8"))
        assert france == build_france(FRANCE_SOURCE)


def test_a_question_that_names_a_place_then_gives_the_antenne(tmp_path: Path):
    rules = tmp_path / "rules.yml"
    rules.write_text(
        yaml.safe_dump(
            {
                "rules": [
                    {
                        "rule": "cost",
                        "steps": [
                            {"intent": "ask_financing"},
                            {"action": "action_explain_financing"},
                        ],
                    },
                    {"rule": "hello", "steps": [{"intent": "greet"}, {"action": "utter_greet"}]},
                ]
            }
        ),
        encoding="utf-8",
    )
    generated = yaml.safe_load(build_place_rules([rules]))["rules"]
    assert generated == [
        {
            "rule": "cost, and the place named",
            "steps": [
                {"intent": "ask_financing", "entities": ["place"]},
                {"action": "action_explain_financing"},
                {"action": "location_form"},
                {"active_loop": "location_form"},
            ],
        }
    ]
