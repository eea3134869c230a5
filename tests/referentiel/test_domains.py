import pytest

from referentiel import load_referentiel
from referentiel.domains import find_domain


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("domaine 3", 3),
        ("les sous domaines du domaine n°2", 2),
        ("le 6eme domaine c koi", 6),
        ("c'est quoi le domaine deux", 2),
        ("5", 5),
        ("en maths on doit savoir quoi", 2),
        ("qu'est ce qu'on voit en francais", 1),
        ("le domaine ordi", 3),
        ("travail en équipe", 4),
        ("être autonome au travail", 5),
        ("apprendre a apprendre ca veut dire quoi", 6),
        ("gestes et postures", 7),
        ("la securiter", 7),
        ("le domaine numerik", 3),
    ],
)
def test_finds_the_named_domain(text: str, expected: int):
    assert find_domain(text, load_referentiel()) == expected


@pytest.mark.parametrize(
    "text",
    ["bonjour", "c'est quoi un domaine", "le français et le calcul", "domaine 9", "12"],
)
def test_names_no_single_domain(text: str):
    assert find_domain(text, load_referentiel()) is None


def test_exact_themes_only_when_fuzzy_matching_is_off():
    ref = load_referentiel()
    assert find_domain("la formulation officielle", ref) == 6  # read as "formation"
    assert find_domain("la formulation officielle", ref, fuzzy=False) is None
    assert find_domain("le titre exact du domaine numerique", ref, fuzzy=False) == 3
    assert find_domain("domaine 4", ref, fuzzy=False) == 4
