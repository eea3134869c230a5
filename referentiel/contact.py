"""Check what a candidate gives to be contacted: a French phone number or an e-mail."""

import re

from referentiel.loader import Referentiel
from referentiel.normalise import normalise

_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
_NAME = re.compile(r"^[^\W\d_]+(?:[ '’-][^\W\d_]+)*$")
MAX_NAME_LENGTH = 64
MAX_NAME_WORDS = 3


def phone_number(text: str) -> str | None:
    """A French mobile or landline number, written 06 12 34 56 78; +33 6… is accepted."""
    digits = re.sub(r"[\s.\-()]", "", text.strip())
    if digits.startswith("+33"):
        digits = "0" + digits[3:]
    elif digits.startswith("0033"):
        digits = "0" + digits[4:]
    if not re.fullmatch(r"0[1-9]\d{8}", digits):
        return None
    return " ".join(digits[i : i + 2] for i in range(0, 10, 2))


def email_address(text: str) -> str | None:
    candidate = text.strip().strip("<>").lower()
    return candidate if len(candidate) <= 254 and _EMAIL.match(candidate) else None


def contact(text: str) -> str | None:
    """The phone number or e-mail in a short answer, normalised, or None."""
    return phone_number(text) or email_address(text)


def person_name(text: str) -> str | None:
    """A first or last name: letters, spaces, hyphens and apostrophes only."""
    name = " ".join(text.split())
    if (
        not name
        or len(name) > MAX_NAME_LENGTH
        or len(name.split()) > MAX_NAME_WORDS
        or (not _NAME.match(name))
    ):
        return None
    return name[:1].upper() + name[1:]


def field_to_correct(text: str, ref: Referentiel) -> str | None:
    """Which field "le téléphone est faux" names; the longest matching word wins. Read
    through the one normaliser, the message and the words alike ("le telefone", "mon tel")."""
    words = normalise(text)
    matches = [
        (len(word), slot)
        for slot, slot_words in ref.personal_data.correction_words.items()
        for word in map(normalise, slot_words)
        if re.search(rf"\b{re.escape(word)}\b", words)
    ]
    return max(matches)[1] if matches else None
