"""End to end over HTTP: routing to the antenne and financing by situation."""

import pytest
from helpers import say, texts

from harness.servers import Servers, new_sender
from referentiel import load_referentiel
from referentiel.territory import load_territory


@pytest.mark.parametrize(
    ("message", "antenne", "contact"),
    [
        ("j'habite à Lens", "d'Arras", "contactarras@transitionspro-hdf.fr"),
        ("80000", "d'Amiens", "contactamiens@transitionspro-hdf.fr"),
        ("je suis de maubeuge", "de Valenciennes", "contactvalenciennes@transitionspro-hdf.fr"),
        ("St Omer", "de Saint-Omer", "contactstomer@transitionspro-hdf.fr"),
        ("henin beaumont", "d'Arras", "contactarras@transitionspro-hdf.fr"),
        ("Ham", "d'Amiens", "contactamiens@transitionspro-hdf.fr"),
        ("j habite a amien", "d'Amiens", "contactamiens@transitionspro-hdf.fr"),
    ],
)
def test_place_in_the_first_message_gives_the_antenne(servers: Servers, message, antenne, contact):
    answer = texts(say(servers, message))
    assert f"votre antenne est celle {antenne}" in answer
    assert contact in answer and "03 59 61 62 63" in answer


def test_outside_the_region_is_not_routed(servers: Servers):
    answer = texts(say(servers, "75011"))
    assert "dans la région Île-de-France, pas dans les Hauts-de-France" in answer
    assert "votre antenne est celle" not in answer
    answer = texts(say(servers, "j'habite à Reims, je contacte qui ?"))
    assert "Reims est dans la région Grand Est" in answer
    assert "Transitions Pro Grand Est" in answer


def test_find_antenne_then_commune_then_contact(servers: Servers):
    sender = new_sender()
    assert "code postal" in texts(say(servers, "c'est quelle antenne pour moi ?", sender))
    assert "Valenciennes" in texts(say(servers, "Maubeuge", sender))
    answer = texts(say(servers, "je veux parler à quelqu'un", sender))
    assert "Marie Lise BAZIN" in answer


def test_ambiguous_postal_code_then_a_button(servers: Servers):
    sender = new_sender()
    messages = say(servers, "62120", sender)
    buttons = messages[-1]["buttons"]
    aire = next(b for b in buttons if b["title"].startswith("Aire-sur-la-Lys"))
    assert "votre antenne est celle de Saint-Omer" in texts(say(servers, aire["payload"], sender))


def test_unknown_answer_to_the_place_question_explains_the_form(servers: Servers):
    sender = new_sender()
    say(servers, "je veux trouver mon antenne", sender)
    assert "5 chiffres" in texts(say(servers, "5900", sender))
    assert "Je ne trouve pas" in texts(say(servers, "abcde", sender))


def test_any_reply_to_the_commune_question_is_tried_as_a_place(servers: Servers):
    sender = new_sender()
    say(servers, "quelle est mon antenne", sender)
    assert "Pour Champs (02670)" in texts(say(servers, "c champs", sender))


def test_a_question_instead_of_the_commune_ends_the_commune_question(servers: Servers):
    sender = new_sender()
    say(servers, "quelle est mon antenne", sender)
    answer = texts(say(servers, "c'est quoi cléa ?", sender))
    assert "CléA" in answer and "code postal" not in answer
    assert "code postal" not in texts(say(servers, "merci", sender))


def test_financing_depends_on_the_situation(servers: Servers):
    sender = new_sender()
    messages = say(servers, "c'est financé comment ?", sender)
    titles = [b["title"] for b in messages[-1]["buttons"]]
    assert titles[:3] == ["Salarié(e)", "Demandeur(se) d'emploi", "Autre (indépendant, étudiant…)"]
    job_seeker = texts(say(servers, messages[-1]["buttons"][1]["payload"], sender))
    assert "la Région" in job_seeker and "France Travail" in job_seeker
    assert "Mission locale peut vous accompagner" in job_seeker
    employee = texts(say(servers, "je suis salarié en cdi", new_sender()))
    assert "plan de formation de votre employeur" in employee and "la Région" in employee
    assert "Pro-A" in texts(say(servers, "je suis intérimaire, comment payer clea ?", new_sender()))


def test_cpf_question(servers: Servers):
    assert "CPF" in texts(say(servers, "je peux utiliser mon cpf ?"))
    empty = texts(say(servers, "mon compte cpf est vide"))
    assert "une part peut rester à payer" in empty and "D'autres aides" in empty


def test_a_job_seeker_asking_whom_to_ask_gets_their_financing(servers: Servers):
    answer = texts(say(servers, "je suis au chômage, je dois demander à qui pour le financement ?"))
    assert "Vous cherchez un emploi" in answer and "employeur" not in answer


def test_a_sample_of_communes_reaches_its_antenne_in_two_messages_at_most(servers: Servers):
    """Every 10th commune of the region, named in a sentence, over the real stack."""
    territory = load_territory()
    ref = load_referentiel()
    failures = []
    for commune in territory.communes[::10]:
        sender = new_sender()
        expected = ref.antenne(territory.antenne_of(commune))
        messages = say(servers, f"j'habite à {commune.name}", sender)
        if expected.email not in texts(messages):
            button = next(
                (b for b in messages[-1].get("buttons", []) if commune.id in b["payload"]), None
            )
            messages = say(servers, button["payload"], sender) if button else []
        if expected.email not in texts(messages):
            failures.append(commune.name)
    assert not failures
