"""The one normaliser: SMS forms, glued words, spelling, what it never touches, negation."""

import pytest

from referentiel.normalise import PLACE_WORD, normalise, normaliser


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("jsui interimere ki pay", "je suis interimaire qui pay"),
        ("slt c ou lantenne pr maubeuge", "salut c est ou l antenne pour maubeuge"),
        ("kel son lé domène de cléa", "quel son le domaine de clea"),
        ("au chaumage", "au chomage"),
        ("pole emploie", "pole emploi"),
        ("jhabite a lens", "j habite a lens"),
        ("jveux un rdv stp", "je veux un rendez vous s il te plait"),
        ("formaton", "formation"),
        ("dacord", "d accord"),
        ("a+ merci", "a plus merci"),
        ("@+", "a plus"),
    ],
)
def test_sms_forms_glued_words_and_typos_are_undone(text: str, expected: str):
    assert normalise(text) == expected


@pytest.mark.parametrize("text", ["59600", "hazebrouck", "c", "b", "12 cartons"])
def test_digits_commune_names_and_quiz_letters_are_never_touched(text: str):
    assert normalise(text) == text


def test_a_place_becomes_one_word():
    assert normaliser().words("je suis de St Omer svp", place="saint omer")[:4] == [
        "je",
        "suis",
        "de",
        PLACE_WORD,
    ]
    assert normaliser().words("c'est le 62 300", place="62300")[-1] == PLACE_WORD


@pytest.mark.parametrize(
    ("text", "negated"),
    [("je travaille pas", True), ("je ne travaille plus", True), ("je travaille", False)],
)
def test_negation(text: str, negated: bool):
    words = normaliser().words(text)
    position = words.index("travaille")
    assert normaliser().negated(words, position, position + 1) is negated


def test_typo_of_a_common_word():
    assert normaliser().typo_of_common_word("mercii")
    assert not normaliser().typo_of_common_word("tourcoin")


def test_the_quiz_and_the_corrections_read_through_it():
    from referentiel import load_referentiel
    from referentiel.contact import field_to_correct
    from referentiel.quiz import load_quiz, read_answer

    quiz = load_quiz()
    item = next(item for item in quiz.items if item.kind == "self")
    assert read_answer(quiz, item, "jsp") == quiz.dont_know.id
    assert read_answer(quiz, item, "moyenement") == "un_peu"
    assert field_to_correct("le telefone est faux", load_referentiel()) == "dossier_contact"
    assert field_to_correct("le prenon est faux", load_referentiel()) == "dossier_first_name"
