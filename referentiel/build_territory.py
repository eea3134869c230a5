"""Generate referentiel/territory.json from the region's communes (Etalab data, MIT),
and referentiel/france.json, the communes of other regions, from the npm package
@etalab/decoupage-administratif (same data, pinned in package-lock.json).

Usage: python -m referentiel.build_territory [SOURCE_JSON]
Default source: ../shared/data/communes-hauts-de-france.json beside the checkout.
Keeps what routing needs: id, name, département, arrondissement, postal codes,
population. Delegated and associated communes (former communes merged into
another) have no postal code of their own: they get their parent's.
Outside the region, communes of at least OUTSIDE_MIN_POPULATION inhabitants are
kept (name, département, population), to answer "that is in another region".
"""

import json
import random
import shutil
import sys
from collections import Counter
from pathlib import Path

import yaml

from referentiel.territory import name_key

HERE = Path(__file__).parent
DEFAULT_SOURCE = HERE.parent.parent / "shared" / "data" / "communes-hauts-de-france.json"
OUTPUT = HERE / "territory.json"
FRANCE_SOURCE = HERE.parent / "node_modules" / "@etalab" / "decoupage-administratif" / "data"
FRANCE_OUTPUT = HERE / "france.json"
TEMPLATES = HERE / "place_templates.yml"
PLACES_OUTPUT = HERE.parent / "data" / "nlu" / "places.yml"
RULES = HERE.parent / "data" / "rules"
PLACE_RULES_OUTPUT = RULES / "places.yml"
CONFIG = HERE.parent / "config.yml"
PLACE_EXTRACTOR = "bot.nlu.place_extractor.PlaceExtractor"
# The pre-dossier offer reads the place itself (actions/dossier.py): no rule needed.
LOCATES_ITSELF = {"want_register"}
PLACES_SEED = 7
PER_TEMPLATE = 1
TOWN_MIN_POPULATION = 10_000
FEMININE_DEPARTEMENTS = {"02", "60", "80"}  # l'Aisne, l'Oise, la Somme
REGION_CODE = "32"  # Hauts-de-France
OUTSIDE_MIN_POPULATION = 1000
LICENSE_OUTPUT = HERE / "territory.LICENSE"


def build(source: dict) -> dict:
    """The compact territory data: one row per commune."""
    current_codes = {
        commune["insee"]: commune["codes_postaux"]
        for commune in source["communes"]
        if commune["type"] == "commune-actuelle"
    }
    seen: Counter = Counter()
    rows = []
    for commune in source["communes"]:
        insee = commune["insee"]
        seen[insee] += 1
        is_current = commune["type"] == "commune-actuelle"
        rows.append(
            [
                insee if is_current else f"{insee}-{seen[insee]}",
                commune["nom"],
                commune["departement"],
                commune["arrondissement"],
                commune["codes_postaux"] or current_codes.get(commune.get("commune_parente"), []),
                commune["population"] or 0,
            ]
        )
    return {
        "source": source["source"],
        "columns": ["id", "name", "departement", "arrondissement", "postal_codes", "population"],
        "region": source["region"],
        "departements": source["departements"],
        "arrondissements": source["arrondissements"],
        "communes": rows,
    }


def build_france(source: Path) -> dict:
    """Regions, départements and the communes of the other regions, compact."""

    def read(name: str) -> list:
        return json.loads((source / f"{name}.json").read_text(encoding="utf-8"))

    communes = [
        [c["nom"], c["departement"], c.get("population") or 0]
        for c in read("communes")
        if c["type"] == "commune-actuelle"
        and c.get("region") != REGION_CODE
        and (c.get("population") or 0) >= OUTSIDE_MIN_POPULATION
    ]
    return {
        "source": "@etalab/decoupage-administratif (npm), Licence Ouverte / MIT",
        "regions": {r["code"]: r["nom"] for r in read("regions")},
        "departements": {d["code"]: d["region"] for d in read("departements")},
        "communes": sorted(communes, key=lambda row: -row[2]),
    }


def build_places(templates: dict, territory) -> str:
    """data/nlu/places.yml: the place templates filled with places as people type them
    (seeded): give_location with communes, postal codes and départements, out_of_scope
    with the region's towns (a town named is not always a place to route)."""
    rng = random.Random(PLACES_SEED)
    communes = sorted(territory.communes, key=lambda c: c.id)
    towns = [c for c in communes if c.population >= TOWN_MIN_POPULATION]
    codes = sorted(territory.by_postal_code)
    departements = [
        f"{article} {keyword}"
        for d in territory.ref.region.departements
        for keyword in d.keywords
        for article in ("le", "dans le", "la", "l")
        if (article in ("la", "l")) == (d.code in FEMININE_DEPARTEMENTS)
    ]
    departements += [f"le {code}" for code in territory.departements]

    def typed(name: str) -> str:
        plain = name_key(name)
        return rng.choice([plain, plain, name.lower(), plain.replace("saint ", "st ")])

    def place() -> str:
        kind = rng.random()
        if kind < 0.65:
            return typed(rng.choice(communes).name)
        return rng.choice(codes) if kind < 0.9 else rng.choice(departements)

    def block(intent: str, lines: list[str]) -> str:
        examples = "".join(f"    - {line}\n" for line in dict.fromkeys(lines))
        return f"- intent: {intent}\n  examples: |\n{examples}"

    locations = [
        t.replace("{place}", place())
        for t in templates["give_location"]
        for _ in range(PER_TEMPLATE)
    ]
    outings = [
        t.replace("{city}", typed(rng.choice(towns).name))
        for t in templates["out_of_scope"]
        for _ in range(PER_TEMPLATE)
    ]
    return (
        "# Generated by `make territory` from referentiel/place_templates.yml: do not edit.\n"
        'version: "3.1"\nnlu:\n'
        + block("give_location", locations)
        + block("out_of_scope", outings)
    )


def place_extractor_setting(name: str) -> set[str]:
    """One of the place extractor's intent lists in config.yml (route_intents,
    answer_then_route)."""
    pipeline = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))["pipeline"]
    return set(next(c for c in pipeline if c["name"] == PLACE_EXTRACTOR)[name])


def answer_then_route() -> set[str]:
    """The intents answered first, then with the antenne of a place named (config.yml)."""
    return place_extractor_setting("answer_then_route")


def build_place_rules(rule_files: list[Path]) -> str:
    """data/rules/places.yml: for each rule that answers one of `answer_then_route`, a
    twin for the same question naming a place, which then gives the antenne too
    ("c'est payant ? j'habite à Lens": the cost, then the antenne of Lens)."""
    follow_ups = answer_then_route() - LOCATES_ITSELF
    twins = []
    for path in rule_files:
        for rule in yaml.safe_load(path.read_text(encoding="utf-8")).get("rules") or []:
            steps = rule["steps"]
            if (
                steps[0].get("intent") in follow_ups
                and "condition" not in rule
                and len(steps[0]) == 1
            ):
                twins.append(
                    {
                        "rule": f"{rule['rule']}, and the place named",
                        "steps": [
                            {"intent": steps[0]["intent"], "entities": ["place"]},
                            *steps[1:],
                            {"action": "location_form"},
                            {"active_loop": "location_form"},
                        ],
                    }
                )
    header = (
        "# Generated by `make territory` from data/rules/ (referentiel/build_territory.py):"
        " do not edit.\n"
    )
    return header + yaml.safe_dump(
        {"version": "3.1", "rules": twins}, allow_unicode=True, sort_keys=False
    )


def main(argv: list[str]) -> int:
    source_path = Path(argv[0]) if argv else DEFAULT_SOURCE
    territory = build(json.loads(source_path.read_text(encoding="utf-8")))
    with OUTPUT.open("w", encoding="utf-8") as handle:
        handle.write("{\n")
        head = {k: v for k, v in territory.items() if k != "communes"}
        for key, value in head.items():
            handle.write(f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)},\n")
        handle.write('"communes": [\n')
        lines = [json.dumps(row, ensure_ascii=False) for row in territory["communes"]]
        handle.write(",\n".join(lines))
        handle.write("\n]}\n")
    shutil.copyfile(source_path.with_suffix(".LICENSE"), LICENSE_OUTPUT)
    print(f"==> Wrote {OUTPUT.name}: {len(territory['communes'])} communes")
    france = build_france(FRANCE_SOURCE)
    rows = ",\n".join(json.dumps(row, ensure_ascii=False) for row in france.pop("communes"))
    france_head = json.dumps(france, ensure_ascii=False)[:-1]
    FRANCE_OUTPUT.write_text(f'{france_head},\n"communes": [\n{rows}\n]}}\n', encoding="utf-8")
    print(f"==> Wrote {FRANCE_OUTPUT.name}: {rows.count(chr(10)) + 1} communes of other regions")
    from referentiel.territory import load_territory  # reads the territory.json just written

    templates = yaml.safe_load(TEMPLATES.read_text(encoding="utf-8"))
    PLACES_OUTPUT.write_text(build_places(templates, load_territory()), encoding="utf-8")
    print(f"==> Wrote {PLACES_OUTPUT.relative_to(HERE.parent)} from {TEMPLATES.name}")
    rule_files = sorted(p for p in RULES.glob("*.yml") if p != PLACE_RULES_OUTPUT)
    PLACE_RULES_OUTPUT.write_text(build_place_rules(rule_files), encoding="utf-8")
    print(f"==> Wrote {PLACE_RULES_OUTPUT.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
