"""Text normalisation shared by NLU checks and keyword look-ups."""

import re
import unicodedata

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'"})
_LIGATURES = {"œ": "oe", "æ": "ae"}


def fold(text: str) -> str:
    """Lower-case, strip accents, unify apostrophes and collapse white space."""
    text = text.translate(_APOSTROPHES).lower()
    for ligature, letters in _LIGATURES.items():
        text = text.replace(ligature, letters)
    decomposed = unicodedata.normalize("NFKD", text)
    without_accents = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", without_accents).strip()


def words(text: str) -> list[str]:
    """Folded words of a text, split on anything that is not a letter or digit."""
    return re.findall(r"[a-z0-9]+", fold(text))


def french_list(items) -> str:
    """Items joined the French way: "a, b et c"."""
    items = list(items)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} et {items[-1]}"
