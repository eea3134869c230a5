"""The self-positioning quiz: typed loader, answer reading and scoring (rules in quiz.yml)."""

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal, Optional

import yaml
from pydantic import root_validator

from referentiel.loader import Data, load_referentiel
from referentiel.text import fold

DATA_FILE = Path(__file__).with_name("quiz.yml")


class Choice(Data):
    id: str
    title: str
    words: tuple[str, ...]


class Level(Data):
    id: str
    label: str
    min_score: float


class Item(Data):
    id: str
    domain: int
    subdomain: str
    kind: Literal["self", "exercise"]
    text: str
    choices: tuple[str, ...] = ()
    answer: Optional[str] = None


class Summaries(Data):
    focus: str
    all_good: str


class Quiz(Data):
    self_assessment_choices: tuple[Choice, ...]
    dont_know: Choice
    self_assessment_points: dict[str, float]
    choice_letters: tuple[str, ...]
    choice_words: dict[str, tuple[str, ...]]
    levels: tuple[Level, ...]
    items: tuple[Item, ...]
    summaries: Summaries

    @root_validator(skip_on_failure=True)
    def _items_are_consistent(cls, values: dict) -> dict:
        letters = values["choice_letters"]
        for item in values["items"]:
            if item.kind == "exercise" and (
                len(item.choices) != len(letters) or item.answer not in letters
            ):
                raise ValueError(f"{item.id}: an exercise needs {len(letters)} choices and an answer")
            if item.kind == "self" and (item.choices or item.answer):
                raise ValueError(f"{item.id}: a self-assessment item has no choices")
            if not item.subdomain.startswith(f"{item.domain}."):
                raise ValueError(f"{item.id}: sub-domain {item.subdomain} is not in domain {item.domain}")
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

    def points(self, item: Item, choice: str) -> float:
        if item.kind == "self":
            return self.self_assessment_points[choice]
        return 1.0 if choice == item.answer else 0.0

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


def read_answer(quiz: Quiz, item: Item, text: str) -> Optional[str]:
    """The choice a typed answer means for this item, or None when it is unclear.

    "ouais" → oui, "non pas trop" → un_peu, "la 2" → b, "je sais pas" → ne_sais_pas;
    the longest matching phrase wins.
    """
    words = " ".join(re.findall(r"[a-z0-9]+", fold(text)))
    if not words:
        return None
    candidates: list[tuple[int, str]] = [
        (len(phrase), quiz.dont_know.id)
        for phrase in quiz.dont_know.words
        if _phrase_in(phrase, words)
    ]
    if item.kind == "self":
        candidates += [
            (len(phrase), choice.id)
            for choice in quiz.self_assessment_choices
            for phrase in choice.words
            if _phrase_in(phrase, words)
        ]
    else:
        for letter, title in zip(quiz.choice_letters, item.choices):
            phrases = (*quiz.choice_words[letter], " ".join(re.findall(r"[a-z0-9]+", fold(title))))
            candidates += [(len(p), letter) for p in phrases if _phrase_in(p, words)]
    if not candidates:
        return None
    longest = max(length for length, _ in candidates)
    meanings = {choice for length, choice in candidates if length == longest}
    return meanings.pop() if len(meanings) == 1 else None


def domain_levels(quiz: Quiz, answers: dict[str, str]) -> dict[int, str]:
    """The level id of every domain the answers cover: the mean of its items' points."""
    points: dict[int, list[float]] = {}
    for item_id, choice in answers.items():
        item = quiz.item(item_id)
        points.setdefault(item.domain, []).append(quiz.points(item, choice))
    return {
        domain: quiz.level(sum(values) / len(values)).id
        for domain, values in sorted(points.items())
    }


def focus_domains(quiz: Quiz, levels: dict[int, str]) -> list[int]:
    """The domains a training path would focus on: every one not at the first level."""
    first = quiz.levels[0].id
    return [domain for domain, level in levels.items() if level != first]
