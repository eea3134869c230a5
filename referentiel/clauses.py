"""Two requests in one message, read apart so that both are answered.

"C'est quoi CléA ? Et ça coûte combien ?", "on est évalué sur quoi et ça dure
combien de temps", "je voudrais m'inscrire, et c'est gratuit ?": the channels
hand each request to the assistant as its own message, in order. A message is
split once, at the first boundary (a question mark, a full stop, a comma, "et")
where the words before it ask something (a question, or a wish: "je voudrais…")
and the words after it ask a question. A greeting, a statement ("je suis
salarié, c'est payant ?"), a place ("Lens. C'est payant ?"), a one-word side or
a second request that starts by naming the first ("elles sont où ?") is never
split off: the NLU reads those messages whole.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

from referentiel.normalise import normalise

CUES_FILE = Path(__file__).with_name("clauses.yml")
# A boundary, and the linking words that start the second request ("et", "aussi").
_BOUNDARY = re.compile(r"\?+\s*|[.!;]+\s+|,\s*|\s+(?=et\s)", re.IGNORECASE)
MIN_WORDS = 3  # "ça coûte combien ?"; never "la b ? ou la c ?" in the quiz


@lru_cache(maxsize=1)
def _cues() -> dict[str, frozenset[str]]:
    """The words that mark a question, a wish, a link and a pronoun naming the first
    request (referentiel/clauses.yml)."""
    data = yaml.safe_load(CUES_FILE.read_text(encoding="utf-8"))
    return {key: frozenset(words) for key, words in data.items()}


def _words(text: str) -> list[str]:
    return normalise(text).split()


def _asks_a_question(text: str, words: list[str]) -> bool:
    if text.rstrip().endswith("?") or "où" in text.lower().split():
        return True
    joined = f" {' '.join(words)} "
    return any(word in _cues()["question_words"] for word in words) or any(
        f" {phrase} " in joined for phrase in _cues()["question_phrases"]
    )


def _asks(text: str, words: list[str]) -> bool:
    return _asks_a_question(text, words) or any(word in _cues()["wishes"] for word in words)


def _without_link(text: str) -> str:
    """The second request without the word that linked it ("et ça coûte combien ?")."""
    words = text.split()
    while words and normalise(words[0]) in _cues()["links"]:
        words = words[1:]
    return " ".join(words)


def _refers_back(words: list[str]) -> bool:
    """The second request names something of the first: it starts with a pronoun
    ("vous avez combien d'antennes ? elles sont où ?") or has an object pronoun after
    its subject ("c'est quoi le CPF ? comment je l'utilise"): read whole."""
    if not words:
        return False
    cues = _cues()
    if (
        any(word in cues["glued_pronouns"] for word in words)
        or any(
            subject in cues["subjects"]
            and pronoun in cues["object_pronouns"]
            and not (subject == "il" and pronoun in cues["impersonal"])  # "il y a"
            for subject, pronoun in zip(words, words[1:])
        )
    ):
        return True
    if words[0] == "il":  # "il faut…", "il y a…" name nothing
        return len(words) > 1 and words[1] not in cues["impersonal"]
    return words[0] in cues["back_pronouns"]


def requests(text: str) -> list[str]:
    """The message's requests: itself, or its two requests in order."""
    if text.startswith("/"):  # a button's payload
        return [text]
    for boundary in _BOUNDARY.finditer(text):
        first = text[: boundary.end()].strip(" ,;")
        first_words = _words(first)
        if len(first_words) < MIN_WORDS or not _asks(first, first_words):
            continue
        second = _without_link(text[boundary.end() :].strip())
        second_words = _words(second)
        if (
            len(second_words) >= MIN_WORDS
            and _asks_a_question(second, second_words)
            and not _refers_back(second_words)
        ):
            return [first, second]
    return [text]
