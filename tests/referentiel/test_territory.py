"""Territory look-up over the whole data file, its variants and its pitfalls."""

from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from referentiel.territory import Outcome, load_territory, name_key

TERRITORY = load_territory()
KNOWN = yaml.safe_load(Path(__file__).with_name("known_antennes.yml").read_text(encoding="utf-8"))
NAME_COUNTS: dict[str, int] = defaultdict(int)
for _commune in TERRITORY.communes:
    NAME_COUNTS[name_key(_commune.name)] += 1
UNIQUE = [c for c in TERRITORY.communes if NAME_COUNTS[name_key(c.name)] == 1]


def test_every_commune_has_exactly_one_antenne():
    antennes = {a.id for a in TERRITORY.ref.antennes}
    assert len(TERRITORY.communes) == 3881
    for commune in TERRITORY.communes:
        assert TERRITORY.antenne_of(commune) in antennes
        location = TERRITORY.by_commune_id(commune.id)
        assert (location.outcome, location.antenne_id) == (
            Outcome.FOUND,
            TERRITORY.antenne_of(commune),
        )


def test_every_arrondissement_of_the_data_is_mapped():
    assert set(TERRITORY.antenne_of_arrondissement) == {
        c.arrondissement for c in TERRITORY.communes
    }


def test_every_commune_is_found_by_its_name_and_postal_code():
    for commune in TERRITORY.communes:
        for code in commune.postal_codes:
            location = TERRITORY.locate(f"{commune.name} {code}")
            assert location.outcome is Outcome.FOUND, (commune, code)
            assert location.antenne_id == TERRITORY.antenne_of(commune), (commune, code)


def test_every_postal_code_resolves_to_its_communes():
    assert len(TERRITORY.by_postal_code) == 647
    ambiguous = []
    for code, communes in TERRITORY.by_postal_code.items():
        location = TERRITORY.locate(code)
        antennes = TERRITORY.antennes_of(communes)
        if len(antennes) == 1:
            assert (location.outcome, location.antenne_id) == (Outcome.FOUND, antennes.pop())
        else:
            assert location.outcome is Outcome.CHOOSE
            assert set(location.candidates) == set(communes)
            ambiguous.append(code)
    assert sorted(ambiguous) == [
        "59171",
        "59247",
        "59252",
        "59265",
        "59580",
        "62120",
        "62145",
        "62960",
    ]


@pytest.mark.parametrize(
    "variant",
    [
        lambda name: name,
        lambda name: name.lower(),
        lambda name: name_key(name),  # no accents, no hyphens, no apostrophes
        lambda name: name.upper().replace("-", " "),
        lambda name: name.replace("Saint-", "St ").replace("Sainte-", "Ste-"),
        lambda name: f"j'habite à {name}",
    ],
    ids=["official", "lower", "plain", "upper-spaces", "st", "sentence"],
)
def test_every_unique_name_is_found_in_its_variants(variant):
    wrong = []
    for commune in UNIQUE:
        location = TERRITORY.locate(variant(commune.name))
        if location.antenne_id != TERRITORY.antenne_of(commune):
            wrong.append((commune.name, location.outcome.value))
    assert not wrong


@pytest.mark.parametrize(
    ("typo", "expected"),
    [
        ("maubeug", "Maubeuge"),
        ("valencienne", "Valenciennes"),
        ("armentiere", "Armentières"),
        ("hazebrouk", "Hazebrouck"),
        ("tourcoin", "Tourcoing"),
        ("jsui de tourcoin", "Tourcoing"),
    ],
)
def test_a_clear_typo_is_read_as_the_name(typo: str, expected: str):
    location = TERRITORY.locate(typo)
    assert (location.outcome, location.name) == (Outcome.FOUND, expected)


@pytest.mark.parametrize(
    ("typo", "expected"),
    [("bethnue", "Béthune"), ("lieven", "Liévin")],
)
def test_a_less_clear_typo_is_a_suggestion_to_confirm(typo: str, expected: str):
    location = TERRITORY.locate(typo)
    assert location.outcome is Outcome.CONFIRM
    assert expected in [c.name for c in location.candidates]


@pytest.mark.parametrize(
    "text",
    [
        "merci",
        "je suis sourd",
        "je suis a la rue",
        "c'est Rémy",
        "bonjour je m'appelle Albert",
        "je suis contre",
    ],
)
def test_french_words_are_never_read_as_names_or_typos(text: str):
    assert not TERRITORY.locate(text).is_place


@pytest.mark.parametrize(
    ("text", "asked"),
    [("j'habite à amien", False), ("je suis d amien", False), ("amien", True)],
)
def test_a_typo_as_near_a_name_as_a_common_word_is_the_name_where_a_place_is_expected(
    text: str, asked: bool
):
    """ "amien" is one letter from "amie" and from Amiens: after a place word, or as the
    answer to "quelle est votre commune ?", it is Amiens."""
    location = TERRITORY.locate(text, asked=asked)
    assert (location.outcome, location.name) == (Outcome.FOUND, "Amiens")


@pytest.mark.parametrize("text", ["amien", "mercii", "mercii beaucoup", "bonjourr"])
def test_elsewhere_a_typo_of_a_common_word_stays_the_common_word(text: str):
    assert not TERRITORY.locate(text).is_place


@pytest.mark.parametrize(
    ("text", "name"), [("c champs", "Champs"), ("moi c'est Rue", "Rue"), ("c albert", "Albert")]
)
def test_a_reply_to_the_commune_question_takes_an_everyday_name_among_fillers(text, name):
    assert TERRITORY.locate(text, asked=True).name == name
    assert not TERRITORY.locate(text).is_place  # said unasked, "c albert" is a first name


@pytest.mark.parametrize("text", ["je sais pas", "je suis sourd", "la rue", "a la campagne"])
def test_even_as_a_reply_an_everyday_sense_is_no_place(text: str):
    assert not TERRITORY.locate(text, asked=True).is_place


@pytest.mark.parametrize(
    "text",
    [
        "je taille les pommiers",
        "le match de l'Amiens SC",
        "je monte a l'echelle",
        "je monte a lechelle",
        "les fins de mois sont dures",
        "on part au touquet",
        "je suis de la rue",
    ],
)
def test_a_name_after_a_determiner_or_in_its_everyday_sense_is_no_place(text: str):
    assert not TERRITORY.locate(text).is_place


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("au quesnoy", "Le Quesnoy"),
        ("jsuis du sourd dans l'aisne", "Le Sourd"),
        ("je viens des moeres", "Les Moëres"),
        ("j'habite au cateau", "Le Cateau-Cambrésis"),
        ("wiry au mont", "Wiry-au-Mont"),
        ("ici c salomé dans le nord", "Salomé"),
        ("moi c gorges dans la somme", "Gorges"),
        ("j'habite a lechelle", "Léchelle"),
        ("le touquet", "Le Touquet-Paris-Plage"),
        ("j'habite au touquet", "Le Touquet-Paris-Plage"),
    ],
)
def test_a_name_after_au_or_du_or_before_its_departement_is_the_place(text: str, name: str):
    assert TERRITORY.locate(text).name == name


def test_ham_and_hem_are_answers_and_a_typo_between_them_is_a_question():
    assert TERRITORY.locate("Ham").antenne_id == "amiens"
    assert TERRITORY.locate("Hem").antenne_id == "lille"
    hom = TERRITORY.locate("Hom")
    assert hom.outcome is Outcome.CONFIRM
    assert {"Ham", "Hem"} <= {c.name for c in hom.candidates}


@pytest.mark.parametrize(
    "sentence",
    [
        "il y a un souci",
        "rue de la gare",
        "le bus est en retard",
        "j'ai bu un café",
        "c'est quoi clea",
        "je veux parler à quelqu'un",
        "03 59 61 62 63",
        "eps et sport",
    ],
)
def test_short_names_inside_ordinary_sentences_are_not_places(sentence: str):
    assert TERRITORY.locate(sentence).outcome is not Outcome.FOUND


@pytest.mark.parametrize(
    ("text", "antenne"),
    [
        ("j'habite rue de la paix à Lens", "arras"),
        ("je suis de Y", "amiens"),
        ("j'habite a Rue", "amiens"),
        ("Eps", "arras"),
        ("je vis à Ham", "amiens"),
    ],
)
def test_short_names_in_a_place_context_are_places(text: str, antenne: str):
    assert TERRITORY.locate(text).antenne_id == antenne


@pytest.mark.parametrize(
    ("text", "outcome", "antenne"),
    [
        ("je suis dans le Nord", Outcome.ASK_COMMUNE, None),
        ("Pas-de-Calais", Outcome.ASK_COMMUNE, None),
        ("62", Outcome.ASK_COMMUNE, None),
        ("la Somme", Outcome.FOUND, "amiens"),
        ("je suis dans l'Oise", Outcome.FOUND, "amiens"),
        ("Aisne", Outcome.FOUND, "amiens"),
        ("dans le 80", Outcome.FOUND, "amiens"),
    ],
)
def test_departement_alone(text: str, outcome: Outcome, antenne):
    location = TERRITORY.locate(text)
    assert (location.outcome, location.antenne_id) == (outcome, antenne)


@pytest.mark.parametrize("text", ["5900", "596000", "mon code c'est 8000"])
def test_malformed_postal_codes(text: str):
    assert TERRITORY.locate(text).outcome is Outcome.MALFORMED


def test_unknown_name_gets_close_names_or_nothing():
    assert TERRITORY.locate("abcde").outcome is Outcome.NOT_FOUND
    assert TERRITORY.locate("abcde").candidates == ()
    near = TERRITORY.locate("j'habite à Dunkerk-plaje")
    assert near.outcome in (Outcome.CONFIRM, Outcome.NOT_FOUND)
    assert "Dunkerque" in [c.name for c in near.candidates]


def test_region_postal_code_that_does_not_exist():
    location = TERRITORY.locate("59999")
    assert (location.outcome, location.postal_code) == (Outcome.NOT_FOUND, "59999")


@pytest.mark.parametrize(
    "text", ["75011", "j'habite au 76000 Rouen", "dans le 93", "je suis du 75"]
)
def test_outside_the_region_is_never_routed(text: str):
    location = TERRITORY.locate(text)
    assert location.outcome is Outcome.OUTSIDE_REGION
    assert location.antenne_id is None


def test_name_and_postal_code_together_pick_the_commune():
    location = TERRITORY.locate("Aire-sur-la-Lys 62120")
    assert (location.outcome, location.antenne_id) == (Outcome.FOUND, "saint-omer")
    assert location.commune.name == "Aire-sur-la-Lys"


# -- the hand-written table --------------------------------------------------


@pytest.mark.parametrize("row", KNOWN["communes"], ids=lambda r: r["text"])
def test_known_communes(row: dict):
    assert TERRITORY.locate(row["text"]).antenne_id == row["antenne"]


@pytest.mark.parametrize("row", KNOWN["postal_codes"], ids=lambda r: r["text"])
def test_known_postal_codes(row: dict):
    location = TERRITORY.locate(row["text"])
    assert (location.outcome, location.antenne_id) == (Outcome.FOUND, row["antenne"])


@pytest.mark.parametrize("row", KNOWN["ambiguous_postal_codes"], ids=lambda r: r["code"])
def test_known_ambiguous_postal_codes(row: dict):
    location = TERRITORY.locate(row["code"])
    assert location.outcome is Outcome.CHOOSE
    assert TERRITORY.antennes_of(list(location.candidates)) == set(row["antennes"])


@pytest.mark.parametrize("row", KNOWN["duplicate_names"], ids=lambda r: r["name"])
def test_known_duplicate_names(row: dict):
    location = TERRITORY.locate(row["name"])
    if len(row["antennes"]) == 1:
        assert (location.outcome, location.antenne_id) == (Outcome.FOUND, row["antennes"][0])
    else:
        assert location.outcome is Outcome.CHOOSE
        assert TERRITORY.antennes_of(list(location.candidates)) == set(row["antennes"])
        assert {c.departement for c in location.candidates} == set(row["departements"])


@pytest.mark.parametrize("row", KNOWN["outside_region"], ids=lambda r: r["text"])
def test_known_outside_region(row: dict):
    assert TERRITORY.locate(row["text"]).outcome is Outcome.OUTSIDE_REGION
