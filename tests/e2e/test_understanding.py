"""End to end over HTTP: messages written as this public writes (issue 13), each answered
in one message: a place anywhere, a question and a place, two questions, call-back
requests, SMS spelling, definitions, a domain question, small talk, media."""

import pytest
from helpers import say, texts

from harness.servers import Servers


@pytest.mark.parametrize(
    ("message", "antenne"),
    [
        ("quelle antenne pour Lens ?", "d'Arras"),
        ("antenne pour 62300", "d'Arras"),
        ("le mail de l'antenne de saint omer", "de Saint-Omer"),
        ("c'est pour boulogne sur mer", "de Saint-Omer"),
        ("moi c'est maubeuge, je dois contacter qui ?", "de Valenciennes"),
        ("slt c ou lantenne pr maubeuge", "de Valenciennes"),
        ("kel antene pour bethune", "d'Arras"),
        ("tourcoin", "de Lille"),
    ],
)
def test_a_place_anywhere_in_the_message_gives_the_antenne(servers: Servers, message, antenne):
    assert f"votre antenne est celle {antenne}" in texts(say(servers, message))


@pytest.mark.parametrize(
    "message",
    [
        "je suis à la rue",
        "je suis sourd",
        "bonjour je m'appelle Albert",
        "il va pleuvoir demain à Lille ?",
    ],
)
def test_everyday_words_and_a_town_in_another_topic_are_not_routed(servers: Servers, message):
    assert "votre antenne est celle" not in texts(say(servers, message))


def test_a_question_and_a_place_are_both_answered(servers: Servers):
    answer = texts(say(servers, "c'est quoi le CléA ? j'habite à Amiens"))
    assert "certificat" in answer and "votre antenne est celle d'Amiens" in answer


def test_two_questions_in_one_message_are_both_answered(servers: Servers):
    answer = texts(say(servers, "c'est quoi le CléA ? et ça coûte combien ?"))
    assert "certificat" in answer and "Quelle est votre situation ?" in answer
    assert answer.index("certificat") < answer.index("Quelle est votre situation ?")


@pytest.mark.parametrize(
    "message", ["rappelez moi", "je veux être recontacté", "un conseiller peut m'appeler ?"]
)
def test_a_call_back_request_offers_the_pre_dossier_and_the_phone(servers: Servers, message):
    answer = texts(say(servers, message))
    assert "Pour que votre antenne vous rappelle" in answer and "03 59 61 62 63" in answer


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("c'est quoi pro-a", "Pro-A, c'est la reconversion ou promotion par alternance"),
        ("l'aif c'est quoi", "L'AIF, c'est l'aide individuelle à la formation"),
        ("il y a des maths dans le clea ?", "Oui, c'est dans CléA"),
        ("ça va ?", "Je vais bien"),
        ("jsui interimere ki paye", "salarié(e), en intérim"),
        ("je peux vous envoyer un vocal ?", "Je lis seulement les messages écrits"),
        ("Reims", "Transitions Pro Grand Est"),
    ],
)
def test_written_as_people_write(servers: Servers, message, expected):
    assert expected in texts(say(servers, message))
