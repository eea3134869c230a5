"""The place matrix: sentence shapes × communes and postal codes, and messages with no place.

A positive is routed correctly when the answer gives the antenne (the message is parsed as
`give_location`, or as a question or a call-back request that the rules answer with the
antenne too) and the place it names leads to the right antenne:
found, or offered among the choices when the name or code spans several antennes.
A negative is routed when it is parsed so and a place is read in it
(the answer names an antenne; "j'habite pas loin" is asked for its commune). The shapes
and negatives (place_matrix.yml) were written blind; communes are a seeded sample.
"""

import random
from dataclasses import dataclass
from pathlib import Path

import yaml

from referentiel.territory import Commune, Outcome, Territory, name_key

MATRIX_FILE = Path(__file__).with_name("place_matrix.yml")
SEED = 13
SAMPLE_SIZE = 500
ROUTE_INTENT = "give_location"


@dataclass(frozen=True)
class Case:
    text: str
    place: str  # as typed
    antennes: frozenset[str]  # the antennes the place may lead to (several: a choice)


def typed(name: str, rng: random.Random) -> str:
    """A commune name as people type it: lower case, most often without accents or hyphens,
    sometimes "st" for "saint"."""
    form = rng.choice(["plain", "plain", "plain", "lower", "st"])
    if form == "lower":
        return name.lower()
    plain = name_key(name)
    return plain.replace("saint ", "st ") if form == "st" else plain


def places(territory: Territory) -> list[tuple[str, frozenset[str]]]:
    """(place as typed, antennes it may lead to): 500 sampled communes and every postal code."""
    rng = random.Random(SEED)
    communes = rng.sample(sorted(territory.communes, key=lambda c: c.id), SAMPLE_SIZE)
    named = [(typed(c.name, rng), _antennes_of_name(territory, c)) for c in communes]
    codes = [
        (code, frozenset(territory.antennes_of(communes)))
        for code, communes in sorted(territory.by_postal_code.items())
    ]
    return named + codes


def _antennes_of_name(territory: Territory, commune: Commune) -> frozenset[str]:
    """The antenne of the commune; with namesakes under other antennes, theirs too
    (the answer is then a choice)."""
    namesakes = territory.by_key.get(name_key(commune.name), [commune])
    return frozenset(territory.antennes_of(namesakes))


def load_matrix() -> dict:
    return yaml.safe_load(MATRIX_FILE.read_text(encoding="utf-8"))


def all_cases(territory: Territory) -> list[Case]:
    """Every shape with every place."""
    shapes = load_matrix()["shapes"]
    return [
        Case(shape.replace("{place}", place), place, antennes)
        for place, antennes in places(territory)
        for shape in shapes
    ]


def rotated_cases(territory: Territory) -> list[Case]:
    """Each place once, in a shape that turns with the seed: what the NLU is run on."""
    shapes = load_matrix()["shapes"]
    rng = random.Random(SEED)
    return [
        Case(rng.choice(shapes).replace("{place}", place), place, antennes)
        for place, antennes in places(territory)
    ]


def read_correctly(territory: Territory, case: Case) -> bool:
    """The place reader leads this message to its antenne (found, or among the choices)."""
    location = territory.locate(case.text)
    if location.outcome is Outcome.FOUND:
        return location.antenne_id in case.antennes and len(case.antennes) == 1
    if location.outcome is Outcome.CHOOSE:
        return set(territory.antennes_of(list(location.candidates))) >= case.antennes
    return False
