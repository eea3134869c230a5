"""Situation, financing question and scheme read from messages as people write them."""

import pytest

from referentiel import load_referentiel
from referentiel.financing import detect_situation, financing_question, named_scheme

REF = load_referentiel()


@pytest.mark.parametrize(
    ("text", "situation"),
    [
        ("jsui interimere", "salarie"),
        ("au chaumage", "demandeur_emploi"),
        ("inscrit a pole emploie", "demandeur_emploi"),
        ("je suis salarié en CDI", "salarie"),
        ("je travaille pas", None),
        ("je ne travaille plus depuis mars", None),
    ],
)
def test_situation(text: str, situation):
    assert detect_situation(text, REF) == situation


@pytest.mark.parametrize(
    ("text", "scheme"),
    [
        ("c koi pro-a", "pro_a"),
        ("l'aif c quoi", "france_travail"),
        ("cpf ça veut dire quoi", "cpf"),
        ("c quoi le prf", "region"),
        ("le plan de developpement c quoi", "plan"),
        ("c'est quoi ce truc", None),
    ],
)
def test_named_scheme(text: str, scheme):
    found = named_scheme(text, REF)
    assert (found.id if found else None) == scheme


def test_financing_question():
    assert financing_question("c gratuit ?", REF) == "cost"
