"""Read a person's situation and their financing question from a message."""

import re
from typing import Optional

from referentiel.loader import Referentiel
from referentiel.text import fold


def _mentions(text: str, keywords: tuple[str, ...]) -> bool:
    words = " ".join(re.findall(r"[a-z0-9]+", fold(text)))
    return any(re.search(rf"\b{re.escape(keyword)}\b", words) for keyword in keywords)


def detect_situation(text: str, ref: Referentiel) -> Optional[str]:
    """The situation a message states; when it names several, the last listed in clea.yml wins
    ("salarié en intérim" is "autre")."""
    found = [s.id for s in ref.situations if _mentions(text, s.keywords)]
    return found[-1] if found else None


def financing_question(text: str, ref: Referentiel) -> Optional[str]:
    """Which direct question a financing message asks ("cpf", "employer", "cost"), if any."""
    for question, keywords in ref.financing.questions.items():
        if _mentions(text, keywords):
            return question
    return None
