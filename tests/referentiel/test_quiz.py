"""The quiz data, its wording, its answer reading and its scoring rules (referentiel/quiz.yml)."""

import re
from collections import Counter

import pytest

from referentiel.build_responses import render_responses
from referentiel.quiz import (
    Item,
    domain_levels,
    domain_scores,
    focus_domains,
    load_quiz,
    own_numbers,
    read_answer,
)
from referentiel.text import words

QUIZ = load_quiz()
EXERCISES = [item for item in QUIZ.items if item.kind == "exercise"]
STOP_WORDS = set(
    [
        "a",
        "au",
        "aux",
        "c",
        "ce",
        "ces",
        "cet",
        "cette",
        "d",
        "dans",
        "de",
        "des",
        "du",
        "en",
        "est",
        "et",
        "il",
        "ils",
        "j",
        "je",
        "l",
        "la",
        "le",
        "les",
        "leur",
        "lui",
        "m",
        "ma",
        "me",
        "mes",
        "mon",
        "n",
        "ne",
        "on",
        "ou",
        "par",
        "pas",
        "plus",
        "pour",
        "qu",
        "que",
        "quel",
        "quelle",
        "qui",
        "s",
        "sa",
        "se",
        "ses",
        "son",
        "sur",
        "t",
        "un",
        "une",
        "vos",
        "votre",
        "vous",
        "y",
    ]
)
FIRST_PERSON = re.compile(r"\b(?:je|me|moi|mon|ma|mes)\b|\bj['’]", re.IGNORECASE)
# Words that assume a job today, or name the manager otherwise than "votre responsable".
JOB_ONLY = re.compile(
    r"\b(?:collègues?|employeur|entreprise|patron|chef|supérieur|manager|votre poste"
    r"|votre travail|lieu de travail)\b",
    re.IGNORECASE,
)


def most_confident(item: Item) -> str:
    return "oui" if item.kind == "self" else item.answer


def wrong_answer(item: Item) -> str:
    return next(letter for letter in QUIZ.choice_letters if letter != item.answer)


def least_confident(item: Item) -> str:
    return "pas_encore" if item.kind == "self" else wrong_answer(item)


def items_of(domain: int) -> list[Item]:
    return [item for item in QUIZ.items if item.domain == domain]


# -- coverage and wording -----------------------------------------------------


def test_items_cover_every_domain_three_times_and_the_listed_subdomains():
    per_domain = Counter(item.domain for item in QUIZ.items)
    assert set(per_domain) == set(range(1, 8)) and min(per_domain.values()) >= 3
    assert len(QUIZ.items) <= 21
    covered = {item.subdomain for item in QUIZ.items}
    assert {"1.2", "2.1", "3.2", "7.2"} <= covered and len(covered) >= 20
    assert {item.kind for item in QUIZ.items} == {"self", "exercise"}


def test_every_item_has_a_dont_know_way_out():
    assert all(QUIZ.choice_ids(item)[-1] == "ne_sais_pas" for item in QUIZ.items)


def significant_words(text: str) -> set[str]:
    """Words that carry meaning, cut to 5 letters so that "mettez" and "mets" … share a stem."""
    return {word[:5] for word in words(text) if word not in STOP_WORDS}


def given_away(question: str, right: str, choices: list[str]) -> set[str]:
    """Significant words of the right answer found in the question, except those every
    choice has."""
    in_every_choice = set.intersection(*(significant_words(choice) for choice in choices))
    return (significant_words(question) & significant_words(right)) - in_every_choice


def test_the_give_away_check_catches_the_old_items():
    assert given_away(
        "Votre chef dit : « Mettez vos gants avant de toucher les produits. »",
        "Je mets mes gants",
        ["Je mets mes gants", "Je touche les produits"],
    )
    assert given_away(
        "Vous avez écrit un e-mail. Sur quel bouton cliquez-vous pour l'envoyer ?",
        "« Envoyer »",
        ["« Supprimer »", "« Envoyer »", "« Brouillon »"],
    )
    assert not given_away("Combien en avez-vous rangé ?", "5 cartons", ["4 cartons", "5 cartons"])


@pytest.mark.parametrize("item", EXERCISES, ids=lambda item: item.id)
def test_no_right_answer_repeats_a_word_of_its_question(item: Item):
    right = item.choices[QUIZ.choice_letters.index(item.answer)]
    assert not given_away(item.text, right, list(item.choices))


@pytest.mark.parametrize("item", QUIZ.items, ids=lambda item: item.id)
def test_items_ask_in_vous_and_need_no_job(item: Item):
    texts = [item.text, *item.choices]
    assert not [text for text in texts if FIRST_PERSON.search(text)]
    assert not [text for text in texts if JOB_ONLY.search(text)]
    assert item.kind == "exercise" or item.text.endswith("?")


def test_levels_keep_their_ids_with_plain_words():
    assert [(level.id, level.label) for level in QUIZ.levels] == [
        ("a_l_aise", "à l'aise"),
        ("a_consolider", "à renforcer"),
        ("a_travailler", "à apprendre"),
    ]


def test_the_intro_gives_the_number_of_questions_not_a_duration():
    intro = render_responses()["utter_quiz_intro"][0]["text"]
    assert "{total} questions courtes" in intro and "minute" not in intro


# -- typed answers -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "choice"),
    [
        ("oui", "oui"),
        ("ouais", "oui"),
        ("un peu", "un_peu"),
        ("non pas trop", "un_peu"),
        ("bof", "un_peu"),
        ("pas toujours", "un_peu"),
        ("pas tout le temps", "un_peu"),
        ("pas encore", "pas_encore"),
        ("non", "pas_encore"),
        ("jamais", "pas_encore"),
        ("pas", "pas_encore"),
        ("j'ai jamais fait", "pas_encore"),
        ("je ne suis jamais en retard", None),
        ("jamais en retard", None),
        ("je sais pas", "ne_sais_pas"),
        ("jsp", "ne_sais_pas"),
        ("blabla", None),
    ],
)
def test_typed_self_assessment_answers(text: str, choice):
    assert read_answer(QUIZ, QUIZ.item("fr_message"), text) == choice


@pytest.mark.parametrize(
    ("item_id", "text", "choice"),
    [
        ("calc_pourcentage", "b", "b"),
        ("calc_pourcentage", "la 2", "b"),
        ("calc_pourcentage", "la deuxième", "b"),
        ("calc_pourcentage", "réponse C", "c"),
        ("calc_pourcentage", "A", "a"),
        ("calc_pourcentage", "c'est la une", "a"),
        ("calc_pourcentage", "5 cartons", "b"),
        ("calc_pourcentage", "5", "b"),
        ("calc_pourcentage", "cinq", "b"),
        ("calc_pourcentage", "cinq cartons", "b"),
        ("calc_pourcentage", "25", "c"),
        ("calc_pourcentage", "je sais pas", "ne_sais_pas"),
        ("calc_pourcentage", "oui", None),
        ("calc_horaire", "4", "b"),
        ("calc_horaire", "4h30", "b"),
        ("calc_horaire", "4 heures 30", "b"),
        ("calc_horaire", "quatre", "b"),
        ("calc_horaire", "30", None),
        ("calc_nombres", "0,8", "a"),
        ("calc_nombres", "0.80 kg", "a"),
        ("secu_secours", "une ambulance", None),
        ("secu_secours", "Un ami, pour avoir son avis", "c"),
        ("secu_secours", "le 18", "b"),
        ("secu_secours", "15", "b"),
        ("secu_secours", "112", "b"),
        ("num_piece_jointe", "un trombone", "c"),
        ("num_piece_jointe", "une", "a"),
    ],
)
def test_typed_exercise_answers(item_id: str, text: str, choice):
    assert read_answer(QUIZ, QUIZ.item(item_id), text) == choice


@pytest.mark.parametrize("item", EXERCISES, ids=lambda item: item.id)
def test_a_number_typed_alone_is_its_choice_or_its_place(item: Item):
    """ "5" is the choice "5 cartons"; "1", "2", "3" still the places where no choice
    writes them."""
    numbers = [own_numbers(choice) for choice in item.choices]
    for letter, mine in zip(QUIZ.choice_letters, numbers):
        only_mine = mine.difference(*(other for other in numbers if other is not mine))
        assert only_mine or not mine
        assert all(read_answer(QUIZ, item, number) == letter for number in only_mine)
    for place, letter in enumerate(QUIZ.choice_letters, start=1):
        assert read_answer(QUIZ, item, str(place)) == letter


# -- scoring -------------------------------------------------------------------


def test_all_yes_and_right_answers_put_every_domain_at_ease():
    answers = {item.id: most_confident(item) for item in QUIZ.items}
    assert domain_levels(QUIZ, answers) == {domain: "a_l_aise" for domain in range(1, 8)}
    assert focus_domains(QUIZ, answers) == []


def test_all_not_yet_and_wrong_answers_put_every_domain_to_learn():
    answers = {item.id: least_confident(item) for item in QUIZ.items}
    assert domain_levels(QUIZ, answers) == {domain: "a_travailler" for domain in range(1, 8)}
    assert len(focus_domains(QUIZ, answers)) == QUIZ.max_focus == 3


def test_dont_know_on_a_self_assessment_is_left_out_of_the_mean():
    answers = {item.id: most_confident(item) for item in QUIZ.items}
    answers["fr_consigne"] = "ne_sais_pas"  # not counted, where a 0 would give (0 + 1 + 1) / 3
    assert domain_scores(QUIZ, answers)[1] == 1.0
    answers["calc_pourcentage"] = "ne_sais_pas"  # an exercise not known counts 0
    assert domain_scores(QUIZ, answers)[2] == pytest.approx(2 / 3)


def test_a_domain_without_counted_answers_has_no_level():
    answers = {item.id: least_confident(item) for item in QUIZ.items}
    answers.update({item.id: "ne_sais_pas" for item in items_of(4)})
    assert all(item.kind == "self" for item in items_of(4))
    levels = domain_levels(QUIZ, answers)
    assert 4 not in levels and set(levels) == {1, 2, 3, 5, 6, 7}
    assert 4 not in focus_domains(QUIZ, answers)


def test_answers_to_items_no_longer_in_the_quiz_are_left_out():
    answers = {"auto_panne": "a", "auto_organiser": "oui"}  # auto_panne: an item of an older quiz
    assert domain_levels(QUIZ, answers) == {5: "a_l_aise"}


def test_all_dont_know_leaves_only_the_exercises():
    levels = domain_levels(QUIZ, {item.id: "ne_sais_pas" for item in QUIZ.items})
    with_exercises = {item.domain for item in EXERCISES}
    assert levels == {domain: "a_travailler" for domain in with_exercises}


def test_mixed_answers_and_the_weakest_domains_first():
    answers = {item.id: most_confident(item) for item in QUIZ.items}
    answers["fr_message"] = "un_peu"  # domain 1: (1 + 1 + 0.5) / 3 = 0.83
    answers["calc_pourcentage"] = wrong_answer(QUIZ.item("calc_pourcentage"))  # 2: 0.67
    answers["auto_organiser"] = "un_peu"  # domain 5: (1 + 0.5 + 0) / 3 = 0.5
    answers["auto_proposer"] = "pas_encore"
    answers["apprendre_erreur"] = "pas_encore"  # domain 6: (0 + 0 + 1) / 3 = 0.33
    answers["apprendre_chercher"] = "pas_encore"
    levels = domain_levels(QUIZ, answers)
    assert (levels[1], levels[2], levels[5], levels[6]) == (
        "a_l_aise",
        "a_consolider",
        "a_consolider",
        "a_travailler",
    )
    assert focus_domains(QUIZ, answers) == [6, 5, 2]


@pytest.mark.parametrize(
    ("score", "level"),
    [
        (1.0, "a_l_aise"),
        (0.75, "a_l_aise"),
        (0.74, "a_consolider"),
        (0.4, "a_consolider"),
        (0.39, "a_travailler"),
        (0.0, "a_travailler"),
    ],
)
def test_domain_boundaries(score: float, level: str):
    assert QUIZ.level(score).id == level


def test_exercises_right_and_wrong():
    item = QUIZ.item("calc_pourcentage")
    assert QUIZ.points(item, item.answer) == 1.0
    assert QUIZ.points(item, wrong_answer(item)) == 0.0
    assert QUIZ.points(item, "ne_sais_pas") == 0.0
    assert QUIZ.points(QUIZ.item("fr_message"), "ne_sais_pas") is None
