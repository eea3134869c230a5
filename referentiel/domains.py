"""Find which of the 7 CléA domains a message names."""

import difflib
import re

from referentiel.buttons import button
from referentiel.loader import Referentiel
from referentiel.normalise import normalised_words
from referentiel.text import fold

_ORDINALS = {
    "premier": 1,
    "1er": 1,
    "deuxieme": 2,
    "second": 2,
    "deux": 2,
    "2eme": 2,
    "2e": 2,
    "troisieme": 3,
    "trois": 3,
    "3eme": 3,
    "3e": 3,
    "quatrieme": 4,
    "quatre": 4,
    "4eme": 4,
    "4e": 4,
    "cinquieme": 5,
    "cinq": 5,
    "5eme": 5,
    "5e": 5,
    "sixieme": 6,
    "six": 6,
    "6eme": 6,
    "6e": 6,
    "septieme": 7,
    "sept": 7,
    "7eme": 7,
    "7e": 7,
}
_NUMBER_AFTER_DOMAIN = re.compile(r"\bdomaines?\W*(?:n|no|numero)?\W*([1-7])\b")
_MIN_FUZZY_LENGTH = 5
_FUZZY_CUTOFF = 0.8
OFFICIAL_TITLES_BUTTON = "domains_official"


def find_domain(text: str, ref: Referentiel, fuzzy: bool = True) -> int | None:
    """The number of the domain a message names, by number or by theme, or None.

    "domaine 3", "le 6eme domaine", "les maths", "securiter" (one typo) all match;
    a message naming several themes of different domains matches none. With
    `fuzzy` False a theme must be named exactly ("formulation" is not "formation").
    """
    folded = fold(text)
    by_number = _NUMBER_AFTER_DOMAIN.search(folded)
    if by_number:
        return int(by_number.group(1))
    tokens = list(normalised_words(folded))
    if "domaine" in tokens or "domaines" in tokens:
        ordinals = {_ORDINALS[token] for token in tokens if token in _ORDINALS}
        if len(ordinals) == 1:
            return ordinals.pop()
    if len(tokens) == 1 and tokens[0] in {str(domain.id) for domain in ref.domains}:
        return int(tokens[0])
    matches = {domain.id for domain in ref.domains if _names_theme(tokens, domain.keywords, fuzzy)}
    return matches.pop() if len(matches) == 1 else None


def official_titles_button(domain_id: int) -> dict[str, str]:
    """The button to one domain's official titles: the title of the "Les titres
    officiels" button of responses.yml, its payload naming the domain."""
    return {
        "title": button(OFFICIAL_TITLES_BUTTON)["title"],
        "payload": f'/ask_domains_official{{"domain":"{domain_id}"}}',
    }


def _names_theme(tokens: list[str], keywords: tuple[str, ...], fuzzy: bool = True) -> bool:
    for token in tokens:
        if token in keywords:
            return True
        if (
            fuzzy
            and len(token) >= _MIN_FUZZY_LENGTH
            and difflib.get_close_matches(token, keywords, n=1, cutoff=_FUZZY_CUTOFF)
        ):
            return True
    return False
