"""The quiz data and its scoring rules (referentiel/quiz.yml)."""

from collections import Counter

import pytest

from referentiel.quiz import Item, domain_levels, focus_domains, load_quiz, read_answer

QUIZ = load_quiz()


def most_confident(item: Item) -> str:
    return "oui" if item.kind == "self" else item.answer


def wrong_answer(item: Item) -> str:
    return next(letter for letter in QUIZ.choice_letters if letter != item.answer)


def test_items_cover_the_7_domains_within_the_limits():
    per_domain = Counter(item.domain for item in QUIZ.items)
    assert set(per_domain) == set(range(1, 8)) and min(per_domain.values()) >= 2
    assert len({item.subdomain for item in QUIZ.items}) >= 14
    assert len(QUIZ.items) <= 21
    assert {item.kind for item in QUIZ.items} == {"self", "exercise"}


def test_every_item_has_a_dont_know_way_out():
    assert all(QUIZ.choice_ids(item)[-1] == "ne_sais_pas" for item in QUIZ.items)


def test_all_yes_and_right_answers_put_every_domain_at_ease():
    levels = domain_levels(QUIZ, {item.id: most_confident(item) for item in QUIZ.items})
    assert levels == {domain: "a_l_aise" for domain in range(1, 8)}
    assert focus_domains(QUIZ, levels) == []


@pytest.mark.parametrize("choice", ["pas_encore", "ne_sais_pas"])
def test_all_not_yet_or_dont_know_put_every_domain_to_work_on(choice: str):
    answers = {
        item.id: choice if item.kind == "self" or choice == "ne_sais_pas" else wrong_answer(item)
        for item in QUIZ.items
    }
    levels = domain_levels(QUIZ, answers)
    assert levels == {domain: "a_travailler" for domain in range(1, 8)}
    assert focus_domains(QUIZ, levels) == list(range(1, 8))


def test_exercises_right_and_wrong():
    item = QUIZ.item("calc_pourcentage")
    assert QUIZ.points(item, item.answer) == 1.0
    assert QUIZ.points(item, wrong_answer(item)) == 0.0
    assert QUIZ.points(item, "ne_sais_pas") == 0.0


def test_mixed_answers():
    answers = {item.id: most_confident(item) for item in QUIZ.items}
    answers["fr_consigne"] = "un_peu"  # domain 1: (0.5 + 1 + 1) / 3 = 0.83
    answers["calc_pourcentage"] = wrong_answer(QUIZ.item("calc_pourcentage"))  # 2: 0.67
    answers["auto_organiser"] = "un_peu"  # domain 5: (0.5 + 0) / 2 = 0.25
    answers["auto_panne"] = wrong_answer(QUIZ.item("auto_panne"))
    levels = domain_levels(QUIZ, answers)
    assert (levels[1], levels[2], levels[5]) == ("a_l_aise", "a_consolider", "a_travailler")
    assert focus_domains(QUIZ, levels) == [2, 5]


@pytest.mark.parametrize(
    ("score", "level"),
    [(1.0, "a_l_aise"), (0.75, "a_l_aise"), (0.74, "a_consolider"), (0.4, "a_consolider"),
     (0.39, "a_travailler"), (0.0, "a_travailler")],
)
def test_domain_boundaries(score: float, level: str):
    assert QUIZ.level(score).id == level


def test_domain_with_two_half_answers_is_to_consolidate():
    answers = {"apprendre_erreur": "un_peu", "apprendre_nouveau": "un_peu"}
    assert domain_levels(QUIZ, answers) == {6: "a_consolider"}


@pytest.mark.parametrize(
    ("text", "choice"),
    [("oui", "oui"), ("ouais", "oui"), ("un peu", "un_peu"), ("non pas trop", "un_peu"),
     ("bof", "un_peu"), ("pas encore", "pas_encore"), ("non", "pas_encore"),
     ("je sais pas", "ne_sais_pas"), ("jsp", "ne_sais_pas"), ("blabla", None)],
)
def test_typed_self_assessment_answers(text: str, choice):
    assert read_answer(QUIZ, QUIZ.item("fr_consigne"), text) == choice


@pytest.mark.parametrize(
    ("text", "choice"),
    [("b", "b"), ("la 2", "b"), ("la deuxième", "b"), ("réponse C", "c"), ("A", "a"),
     ("5 cartons", "b"), ("je sais pas", "ne_sais_pas"), ("oui", None)],
)
def test_typed_exercise_answers(text: str, choice):
    assert read_answer(QUIZ, QUIZ.item("calc_pourcentage"), text) == choice
