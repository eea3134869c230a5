"""Every text the assistant can send keeps the house style (plain-french.md).

Texts are domain responses (actions send responses by name), plus the few
sentences actions take from referentiel/quiz.yml and put into a response.
"""

import re
from pathlib import Path

import pytest
import yaml

from referentiel.quiz import load_quiz

DOMAIN_DIR = Path(__file__).resolve().parent.parent / "bot" / "domain"
MAX_WORDS_PER_SENTENCE = 20
MAX_LINES = 6
TUTOIEMENT = re.compile(r"\b(?:tu|toi|ton|ta|tes|te)\b|\bt['’]", re.IGNORECASE)
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n")


def _responses() -> dict[str, list[dict]]:
    responses: dict[str, list[dict]] = {}
    for path in sorted(DOMAIN_DIR.glob("*.yml")):
        responses.update(yaml.safe_load(path.read_text(encoding="utf-8")).get("responses", {}))
    return responses


RESPONSES = _responses()
VARIANTS = [
    pytest.param(name, variant, id=f"{name}[{index}]")
    for name, variants in RESPONSES.items()
    for index, variant in enumerate(variants)
]


def sentences(text: str) -> list[str]:
    return [part for part in SENTENCE_END.split(text) if part.strip()]


def word_count(sentence: str) -> int:
    return len([token for token in sentence.split() if re.search(r"\w", token)])


def test_there_are_texts_to_check():
    assert len(VARIANTS) > 40


@pytest.mark.parametrize(("name", "variant"), VARIANTS)
def test_sentences_are_short(name: str, variant: dict):
    too_long = [s for s in sentences(variant["text"]) if word_count(s) > MAX_WORDS_PER_SENTENCE]
    assert not too_long


@pytest.mark.parametrize(("name", "variant"), VARIANTS)
def test_messages_are_at_most_six_lines(name: str, variant: dict):
    assert len(variant["text"].splitlines()) <= MAX_LINES


@pytest.mark.parametrize(("name", "variant"), VARIANTS)
def test_vouvoiement_only(name: str, variant: dict):
    texts = [variant["text"]] + [b["title"] for b in variant.get("buttons", [])]
    assert not [t for t in texts if TUTOIEMENT.search(t)]


@pytest.mark.parametrize(("name", "variant"), VARIANTS)
def test_a_button_to_go_on(name: str, variant: dict):
    """Each message offers buttons, except a first part that its part 2 follows.

    The buttons of a `*_choices` response come from the action that sends it;
    a `*_intro` response is always followed by another message; a note to a
    group chat (`*_chat_only`) has nothing to offer there.
    """
    if name.endswith("_part1"):
        assert name.replace("_part1", "_part2") in RESPONSES
    elif name.endswith(("_intro", "_chat_only")):
        pass  # followed by another message; or said once, in a group
    elif name.endswith("_choices"):
        assert not variant.get("buttons")
    else:
        assert variant.get("buttons")


@pytest.mark.parametrize("text", list(load_quiz().summaries.dict().values()))
def test_quiz_summaries_keep_the_style(text: str):
    assert all(word_count(s) <= MAX_WORDS_PER_SENTENCE for s in sentences(text))
    assert not TUTOIEMENT.search(text)


def test_the_checks_catch_bad_writing():
    assert word_count("un " * 21) == 21
    assert TUTOIEMENT.search("Tu peux cliquer")
    assert TUTOIEMENT.search("t'inquiète")
    assert not TUTOIEMENT.search("Votre antenne vous contacte. Tapez « menu ».")
    assert sentences("Une phrase. Une autre !\nUne ligne") == [
        "Une phrase.",
        "Une autre !",
        "Une ligne",
    ]
