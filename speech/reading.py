"""What the voice says for a text: the words a person would say, with the pronunciation
lexicon (referentiel/pronunciation.yml) applied.

- e-mail and web addresses are said sign by sign ("contact arobase transitions pro…");
- a pre-dossier reference is spelled ("C L E A, 2026, A B 3 K");
- "8h30" is "8 heures 30", "9 / 18" is "9 sur 18";
- the lexicon's words and signs are said as written there;
- pictograms and bullets are not read.
Numbers and phone numbers are read well by the voice itself ("03 21 …" is "zéro trois,
vingt et un…").
"""

import re
from functools import lru_cache

from referentiel.pronunciation import Pronunciation, load_pronunciation

ADDRESS = re.compile(
    r"(?:https?://)?(?:www\.)?[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"|https?://[^\s]+|www\.[^\s]+",
    re.IGNORECASE,
)
REFERENCE = re.compile(r"\b[A-Z]{2,5}-\d{4}-[A-Z0-9]{3,8}\b")
HOUR = re.compile(r"\b(\d{1,2}) ?h ?(\d{2})?\b")
OUT_OF = re.compile(r"\b(\d+) ?/ ?(\d+)\b")
# Bullets, arrows, pictograms and markup signs: seen, not said.
UNSAID = re.compile(r"[•·▪►▶→←↑↓✓✔✗✘*#_~`|<>\[\]{}\u2600-\u27bf\U0001F000-\U0001FAFF\ufe0f]")


def _address(match: re.Match, lexicon: Pronunciation) -> str:
    text = re.sub(r"^(https?://)?(www\.)?", "", match.group(0).rstrip(".,;:"), flags=re.I)
    pieces = re.split(r"([@.\-_/])", text.rstrip("/"))
    said = [
        lexicon.address_signs.get(piece, lexicon.words.get(piece, piece))
        for piece in pieces
        if piece
    ]
    trailing = match.group(0)[len(match.group(0).rstrip(".,;:")) :]
    return " ".join(said) + trailing


def _spelled(match: re.Match) -> str:
    groups = match.group(0).split("-")
    return ", ".join(group if group.isdigit() else " ".join(group) for group in groups)


@lru_cache(maxsize=1)
def _word_pattern(words: tuple[str, ...]) -> re.Pattern:
    ordered = sorted(words, key=len, reverse=True)
    return re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, ordered)) + r")(?![\w-])")


def speakable(text: str, lexicon: Pronunciation | None = None) -> str:
    """The text as the voice should say it."""
    lexicon = lexicon or load_pronunciation()
    text = ADDRESS.sub(lambda match: _address(match, lexicon), text)
    text = REFERENCE.sub(_spelled, text)
    text = HOUR.sub(lambda m: f"{m.group(1)} heures {m.group(2) or ''}".rstrip(), text)
    text = OUT_OF.sub(r"\1 sur \2", text)
    text = UNSAID.sub(" ", text)
    for sign, said in lexicon.signs.items():
        text = text.replace(sign, f" {said} ")
    if lexicon.words:
        text = _word_pattern(tuple(lexicon.words)).sub(
            lambda match: lexicon.words[match.group(1)], text
        )
    return re.sub(r"[ \t]+", " ", text).strip()
