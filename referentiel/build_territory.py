"""Generate referentiel/territory.json from the region's communes (Etalab data, MIT).

Usage: python -m referentiel.build_territory [SOURCE_JSON]
Default source: ../shared/data/communes-hauts-de-france.json beside the checkout.
Keeps what routing needs: id, name, département, arrondissement, postal codes,
population. Delegated and associated communes (former communes merged into
another) have no postal code of their own: they get their parent's.
"""

import json
import shutil
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).parent
DEFAULT_SOURCE = HERE.parent.parent / "shared" / "data" / "communes-hauts-de-france.json"
OUTPUT = HERE / "territory.json"
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
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
