"""Two requests in one message are read apart; everything else stays whole."""

import pytest

from referentiel.clauses import requests


@pytest.mark.parametrize(
    ("message", "parts"),
    [
        ("c'est quoi CléA ? Et ça coûte combien ?", ["c'est quoi CléA ?", "ça coûte combien ?"]),
        (
            "on est evalué sur quoi et ça dure combien de temps ?",
            ["on est evalué sur quoi", "ça dure combien de temps ?"],
        ),
        (
            "Je voudrais m'inscrire, et c'est gratuit ?",
            ["Je voudrais m'inscrire", "c'est gratuit ?"],
        ),
        ("kel son lé domène de cléa et ca coute cb", ["kel son lé domène de cléa", "ca coute cb"]),
        (
            "c koi clea et c ou lantenne la plus proche",
            ["c koi clea", "c ou lantenne la plus proche"],
        ),
        (
            "quelle antenne pour lens et c'est payant ?",
            ["quelle antenne pour lens", "c'est payant ?"],
        ),
        ("salut ça va ? c'est quoi clea", ["salut ça va ?", "c'est quoi clea"]),
        ("c'est quoi clea ? il faut payer ?", ["c'est quoi clea ?", "il faut payer ?"]),
    ],
)
def test_two_requests_are_read_apart(message, parts):
    assert requests(message) == parts


@pytest.mark.parametrize(
    "message",
    [
        "bonjour, c'est quoi clea ?",  # a greeting is not a request of its own
        "je suis salarié, c'est payant ?",  # a statement, read whole by the NLU
        "Lens. Et c'est payant ?",  # a place and a question: answered then routed
        "Quelle antenne pour moi ? J'habite à Lens.",
        "la b ? ou la c ?",  # quiz answers are never doubled
        "c'est quoi le cpf et l'aif ?",
        "je veux m'inscrire et avoir un rendez vous",
        "vous avez combien d'antennes ? elles sont où ?",  # "elles": the antennes
        "c'est quoi le jury ? il se réunit quand ?",
        "06 12 34 56 78. c'est pour quoi faire ?",
        "/affirm",
        "",
    ],
)
def test_other_messages_stay_whole(message):
    assert requests(message) == [message]


@pytest.mark.parametrize(
    "text",
    [
        "cpf c'est quoi ? comment je l'utilise",
        "c quoi clea et on le passe ou ?",
        "c quoi lcpf et comment jy ai droit",
    ],
)
def test_a_second_request_with_an_object_pronoun_names_the_first_and_stays_whole(text: str):
    assert requests(text) == [text]
