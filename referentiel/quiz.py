"""The self-positioning quiz: typed loader, answer reading and scoring (rules in quiz.yml)."""

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import root_validator

from referentiel.loader import Data, load_referentiel
from referentiel.normalise import normalise
from referentiel.text import fold

DATA_FILE = Path(__file__).with_name("quiz.yml")
_TOKEN = re.compile(r"\d+(?:[.,]\d+)?|[a-z]+")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


class Choice(Data):
    id: str
    title: str
    words: tuple[str, ...]  # phrases that mean this choice anywhere in the answer
    alone: tuple[str, ...] = ()  # phrases that mean it only as the whole answer


class Level(Data):
    id: str
    label: str
    min_score: float
    meaning: str  # one plain sentence


class Item(Data):
    id: str
    domain: int
    subdomain: str
    kind: Literal["self", "exercise"]
    text: str
    choices: tuple[str, ...] = ()
    answer: str | None = None


class Summaries(Data):
    focus: str
    all_good: str


class Feedback(Data):
    right: str  # {answer}: the right choice's button title
    wrong: str


class Quiz(Data):
    self_assessment_choices: tuple[Choice, ...]
    dont_know: Choice
    self_assessment_points: dict[str, float | None]
    choice_letters: tuple[str, ...]
    choice_words: dict[str, tuple[str, ...]]
    lead_ins: tuple[str, ...]
    typed_forms: dict[str, str]
    levels: tuple[Level, ...]
    no_level_label: str
    levels_intro: str
    feedback: Feedback
    items: tuple[Item, ...]
    max_focus: int
    summaries: Summaries

    @root_validator(skip_on_failure=True)
    def _items_are_consistent(cls, values: dict) -> dict:
        letters = values["choice_letters"]
        for item in values["items"]:
            if item.kind == "exercise" and (
                len(item.choices) != len(letters) or item.answer not in letters
            ):
                raise ValueError(
                    f"{item.id}: an exercise needs {len(letters)} choices and an answer"
                )
            if item.kind == "self" and (item.choices or item.answer):
                raise ValueError(f"{item.id}: a self-assessment item has no choices")
            if not item.subdomain.startswith(f"{item.domain}."):
                raise ValueError(
                    f"{item.id}: sub-domain {item.subdomain} is not in domain {item.domain}"
                )
        ids = [item.id for item in values["items"]]
        if len(ids) != len(set(ids)):
            raise ValueError("item ids must be unique")
        return values

    def item(self, item_id: str) -> Item:
        return next(item for item in self.items if item.id == item_id)

    def choice_ids(self, item: Item) -> list[str]:
        """The answers an item accepts, in button order; "Je ne sais pas" last."""
        if item.kind == "self":
            return [c.id for c in self.self_assessment_choices] + [self.dont_know.id]
        return [*self.choice_letters, self.dont_know.id]

    def points(self, item: Item, choice: str) -> float | None:
        """The points an answer gives; None when it is left out of the domain's mean."""
        if item.kind == "self":
            return self.self_assessment_points[choice]
        return 1.0 if choice == item.answer else 0.0

    def choice_titles(self, item: Item) -> list[str]:
        """An item's choices as its buttons show them ("B. 4 h 30"), "Je ne sais pas" last."""
        titles = (
            [choice.title for choice in self.self_assessment_choices]
            if item.kind == "self"
            else [
                f"{letter.upper()}. {choice}"
                for letter, choice in zip(self.choice_letters, item.choices)
            ]
        )
        return [*titles, self.dont_know.title]

    def answer_title(self, item: Item) -> str:
        """An exercise's right choice as its button shows it."""
        return self.choice_titles(item)[self.choice_letters.index(item.answer or "")]

    def level(self, score: float) -> Level:
        return next(level for level in self.levels if score >= level.min_score)


@lru_cache(maxsize=1)
def load_quiz() -> Quiz:
    """The quiz of quiz.yml, checked against the domains and sub-domains of clea.yml."""
    quiz = Quiz.parse_obj(yaml.safe_load(DATA_FILE.read_text(encoding="utf-8")))
    subdomains = {sub.id for domain in load_referentiel().domains for sub in domain.subdomains}
    unknown = [item.id for item in quiz.items if item.subdomain not in subdomains]
    if unknown:
        raise ValueError(f"quiz items with an unknown sub-domain: {unknown}")
    return quiz


def _phrase_in(phrase: str, text: str) -> bool:
    return re.search(rf"(?:^| ){re.escape(phrase)}(?: |$)", text) is not None


def _longest_meaning(phrases: list[tuple[str, str]], text: str) -> str | None:
    """The meaning of the longest phrase found in the text; None when none, or two tie."""
    found = [(len(phrase), meaning) for phrase, meaning in phrases if _phrase_in(phrase, text)]
    if not found:
        return None
    longest = max(length for length, _ in found)
    meanings = {meaning for length, meaning in found if length == longest}
    return meanings.pop() if len(meanings) == 1 else None


def _number(token: str) -> str:
    """One spelling per number: "2,50", "2.5" → "2.5"."""
    whole, _, decimals = token.replace(",", ".").partition(".")
    decimals = decimals.rstrip("0")
    return f"{int(whole)}.{decimals}" if decimals else str(int(whole))


def _as_choices_write(quiz: Quiz, text: str) -> str:
    """Folded words and numbers, typed forms written as choices write them ("cinq" → "5")."""
    tokens = [quiz.typed_forms.get(token, token) for token in _TOKEN.findall(fold(text))]
    return " ".join(_number(t) if _NUMBER.fullmatch(t) else t for t in tokens)


def own_numbers(title: str) -> set[str]:
    """The numbers a choice writes in digits: "4 h 30" → {"4", "30"}."""
    return {_number(token) for token in _NUMBER.findall(fold(title))}


def _without_lead_ins(quiz: Quiz, text: str) -> str:
    """The answer without "c'est", "la", "réponse"… in front: "c est la b" → "b"."""
    while lead_in := next((p for p in quiz.lead_ins if text.startswith(f"{p} ")), None):
        text = text[len(lead_in) + 1 :]
    return text


def _exercise_answer(quiz: Quiz, item: Item, text: str) -> str | None:
    said = _as_choices_write(quiz, text)
    whole = _without_lead_ins(quiz, said)
    choices = list(zip(quiz.choice_letters, item.choices))
    if _NUMBER.fullmatch(whole):
        owners = [letter for letter, title in choices if whole in own_numbers(title)]
        if len(owners) == 1:
            return owners[0]
    place = next((letter for letter, _ in choices if whole in quiz.choice_words[letter]), None)
    phrases = [(phrase, quiz.dont_know.id) for phrase in quiz.dont_know.words]
    phrases += [(_as_choices_write(quiz, title), letter) for letter, title in choices]
    return place or _longest_meaning(phrases, said)


def _self_assessment_answer(quiz: Quiz, text: str) -> str | None:
    """Read through the one normaliser, the answer and the choices' phrases alike
    ("pas tro" → "pas trop", "jsp" → "je sais pas")."""
    said = normalise(text)
    choices = (*quiz.self_assessment_choices, quiz.dont_know)
    alone = next((c.id for c in choices if said in {normalise(a) for a in c.alone}), None)
    return alone or _longest_meaning([(normalise(p), c.id) for c in choices for p in c.words], said)


def read_answer(quiz: Quiz, item: Item, text: str) -> str | None:
    """The choice a typed answer means for this item, or None when it is unclear.

    Self-assessment: "ouais" → oui, "non pas trop" → un_peu, "pas toujours" → un_peu,
    "jamais" alone → pas_encore. Exercise: "la 2" → b, "réponse c" → c, "5" or "cinq"
    → the choice "5 cartons". "je sais pas" → ne_sais_pas; the longest phrase wins.
    """
    if item.kind == "self":
        return _self_assessment_answer(quiz, text)
    return _exercise_answer(quiz, item, text)


def domain_scores(quiz: Quiz, answers: dict[str, str]) -> dict[int, float]:
    """The mean of every domain's counted points; a domain with none counted has no score.

    Answers to items no longer in the quiz (a test begun before a change) are left out.
    """
    items = {item.id: item for item in quiz.items}
    points: dict[int, list[float]] = {}
    for item_id, choice in answers.items():
        item = items.get(item_id)
        if item is None:
            continue
        value = quiz.points(item, choice)
        if value is not None:
            points.setdefault(item.domain, []).append(value)
    return {domain: sum(values) / len(values) for domain, values in sorted(points.items())}


def domain_levels(quiz: Quiz, answers: dict[str, str]) -> dict[int, str]:
    """The level id of every domain with a score."""
    return {domain: quiz.level(score).id for domain, score in domain_scores(quiz, answers).items()}


def focus_domains(quiz: Quiz, answers: dict[str, str]) -> list[int]:
    """The domains a training path would focus on: the weakest below the first level, at most
    `max_focus`, weakest first."""
    first = quiz.levels[0].id
    weak = sorted(
        (score, domain)
        for domain, score in domain_scores(quiz, answers).items()
        if quiz.level(score).id != first
    )
    return [domain for _, domain in weak[: quiz.max_focus]]
