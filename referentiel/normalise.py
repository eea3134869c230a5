"""The one normalisation step: how a message reads once its spelling is undone.

Shared by the NLU (bot/nlu/tokenizer.py, at training and at serving) and the
actions' matchers (situation, domain, financing questions, quiz answers).
Steps, on folded words (lower case, no accents):
1. SMS and phonetic forms from referentiel/lexicon.yml ("jsui" → "je suis"),
   then its multi-word forms ("pole emploie" → "pole emploi");
2. a glued "j'"/"l'" read apart when the rest is a French word ("jhabite");
3. spelling correction (symspellpy) of words that are neither French (by
   wordfreq's frequency list) nor ours, towards those words; digits and the
   words of the region's commune names are never touched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from symspellpy import SymSpell, Verbosity
from wordfreq import top_n_list, zipf_frequency

from referentiel.text import fold

LEXICON_FILE = Path(__file__).with_name("lexicon.yml")
# French words known to the correction: wordfreq's most frequent (CC BY-SA 4.0 data,
# read from the installed package, never copied here).
FRENCH_WORDS = 40_000
MIN_CORRECTED_LENGTH = 4
# A glued "j"/"l" is read apart only before a word at least this frequent (Zipf scale).
MIN_GLUED_ZIPF = 3.0
# A word one letter away from a French word this frequent is read as its typo.
COMMON_ZIPF = 4.0
_WORD = re.compile(r"[a-z0-9]+")
# What the NLU reads in place of a place's name: DIET learns "je suis de PLACE_WORD", the
# same for every commune, and never learns town names as topics.
PLACE_WORD = "xlieux"
ABBREVIATIONS = {"st": "saint", "ste": "sainte"}  # as commune names write them


@dataclass(frozen=True)
class Lexicon:
    sms: dict[str, str]
    symbols: dict[str, str]
    phrases: dict[str, str]
    vocabulary: frozenset[str]
    negations: frozenset[str]


@lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    data = yaml.safe_load(LEXICON_FILE.read_text(encoding="utf-8"))
    return Lexicon(
        sms={fold(k): fold(v) for k, v in data["sms"].items()},
        symbols={fold(k): fold(v) for k, v in data["symbols"].items()},
        phrases={fold(k): fold(v) for k, v in data["phrases"].items()},
        vocabulary=frozenset(fold(w) for w in data["vocabulary"]),
        negations=frozenset(data["negations"]),
    )


@lru_cache(maxsize=1)
def french_frequencies() -> dict[str, float]:
    """Folded French words ("ecurie") and their Zipf frequency, from wordfreq's list."""
    frequencies: dict[str, float] = {}
    for word in top_n_list("fr", FRENCH_WORDS):
        zipf = zipf_frequency(word, "fr")
        for part in _WORD.findall(fold(word)):
            frequencies[part] = max(frequencies.get(part, 0.0), zipf)
    return frequencies


def folded_zipf(word: str) -> float:
    """The Zipf frequency of a folded word (0 when it is not among the French words)."""
    return french_frequencies().get(word, 0.0)


class Normaliser:
    """Folds, expands SMS forms and corrects spelling; see the module docstring."""

    def __init__(self, lexicon: Lexicon, protected: frozenset[str]) -> None:
        self.lexicon = lexicon
        self.protected = protected
        self.speller = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
        frequencies = dict(french_frequencies())
        for word in [*lexicon.vocabulary, *(w for v in lexicon.sms.values() for w in v.split())]:
            frequencies[word] = max(frequencies.get(word, 0.0), 4.0)
        self.known = frozenset(frequencies)
        for word, zipf in frequencies.items():
            if len(word) >= 2:
                self.speller.create_dictionary_entry(word, int(10**zipf))
        self._symbols = [
            (re.compile(rf"(?<![\w@+]){re.escape(form)}(?![\w@+])"), f" {words} ")
            for form, words in sorted(lexicon.symbols.items(), key=lambda kv: -len(kv[0]))
        ]
        self._phrases = [
            (re.compile(rf"\b{re.escape(form)}\b"), words)
            for form, words in sorted(lexicon.phrases.items(), key=lambda kv: -len(kv[0]))
        ]

    def words(self, text: str, place: str = "") -> list[str]:
        """The normalised words of a message; the words `place` (name-key form, from
        referentiel.territory) become the one word PLACE_WORD."""
        folded_text = fold(text)
        for pattern, words in self._symbols:
            folded_text = pattern.sub(words, folded_text)
        folded = _WORD.findall(folded_text)
        expanded = " ".join(self._word(word) for word in _with_place_word(folded, place))
        for pattern, words in self._phrases:
            expanded = pattern.sub(words, expanded)
        return expanded.split()

    def __call__(self, text: str) -> str:
        return " ".join(self.words(text))

    def _word(self, word: str) -> str:
        if word == PLACE_WORD:
            return word
        if word in self.lexicon.sms:
            return self.lexicon.sms[word]
        if word in self.known or word in self.protected or any(c.isdigit() for c in word):
            return word
        glued = self._glued(word)
        if glued:
            return glued
        return self._corrected(word)

    def _glued(self, word: str) -> str | None:
        """ "jhabite" → "j habite", "lantenne" → "l antenne", "jveux" → "je veux"."""
        if len(word) < 4 or word[0] not in "jl":
            return None
        rest = self.lexicon.sms.get(word[1:], word[1:])
        if rest in self.known and folded_zipf(rest) >= MIN_GLUED_ZIPF:
            vowel = rest[0] in "aeiouyh"
            return f"{word[0]} {rest}" if vowel or word[0] == "l" else f"je {rest}"
        return None

    def _corrected(self, word: str) -> str:
        if len(word) < MIN_CORRECTED_LENGTH:
            return word
        distance = 1 if len(word) < 7 else 2
        found = self.speller.lookup(
            word, Verbosity.TOP, max_edit_distance=distance, transfer_casing=False
        )
        return found[0].term if found else word

    def typo_of_common_word(self, word: str) -> bool:
        """One letter away from a common French word that names no commune ("mercii")."""
        found = self.speller.lookup(word, Verbosity.TOP, max_edit_distance=1, transfer_casing=False)
        return (
            bool(found)
            and found[0].term not in self.protected
            and (folded_zipf(found[0].term) >= COMMON_ZIPF)
        )

    def negated(self, words: list[str], start: int, end: int) -> bool:
        """True when words[start:end] is negated: "ne"/"n" before it, or "pas", "plus"… after."""
        before = words[max(0, start - 2) : start]
        after = words[end : end + 2]
        return "ne" in before or "n" in before or any(w in self.lexicon.negations for w in after)


def _with_place_word(words: list[str], place: str) -> list[str]:
    """The words with the run that names the place replaced by PLACE_WORD."""
    target = place.split()
    if len(target) == 1 and len(target[0]) == 5 and target[0].isdigit():
        targets = [target, [target[0][:2], target[0][2:]]]  # "62300" or "62 300"
    else:
        targets = [target] if target else []
    keys = [ABBREVIATIONS.get(word, word) for word in words]
    for wanted in targets:
        for start in range(len(keys) - len(wanted) + 1):
            if keys[start : start + len(wanted)] == wanted:
                return [*words[:start], PLACE_WORD, *words[start + len(wanted) :]]
    return words


@lru_cache(maxsize=1)
def normaliser() -> Normaliser:
    """The shared normaliser, built once (about a second)."""
    from referentiel.territory import load_territory  # the commune names, protected

    return Normaliser(load_lexicon(), load_territory().name_words)


@lru_cache(maxsize=4096)
def normalised_words(text: str, place: str = "") -> tuple[str, ...]:
    """normaliser().words(text, place), once per text: the tokenizer, the place extractor
    and the matchers read the same messages and the same keywords again and again."""
    return tuple(normaliser().words(text, place=place))


def normalise(text: str) -> str:
    """The normalised text of a message: folded words, SMS forms and spelling undone."""
    return " ".join(normalised_words(text))
