"""Read a person's situation, their financing question and a scheme named in a message."""

from referentiel.loader import FinancingScheme, Referentiel
from referentiel.normalise import normalised_words, normaliser


def _mentions(text: str, keywords: tuple[str, ...], negated_counts: bool = True) -> bool:
    """A keyword stands in the normalised message; with `negated_counts` False, a negated
    one ("je travaille pas") does not count."""
    reader = normaliser()
    said = list(normalised_words(text))
    for keyword in keywords:
        wanted = list(normalised_words(keyword))
        for start in range(len(said) - len(wanted) + 1):
            if said[start : start + len(wanted)] == wanted and (
                negated_counts or not reader.negated(said, start, start + len(wanted))
            ):
                return True
    return False


def detect_situation(text: str, ref: Referentiel) -> str | None:
    """The situation a message states; when it names several, the last listed in clea.yml wins
    ("salarié en intérim" is "autre"). A negated one is no situation ("je travaille pas")."""
    found = [s.id for s in ref.situations if _mentions(text, s.keywords, negated_counts=False)]
    return found[-1] if found else None


def financing_question(text: str, ref: Referentiel) -> str | None:
    """Which direct question a financing message asks ("cpf", "employer", "cost"), if any."""
    for question, keywords in ref.financing.questions.items():
        if _mentions(text, keywords):
            return question
    return None


def named_scheme(text: str, ref: Referentiel) -> FinancingScheme | None:
    """The financing scheme a message names ("c'est quoi pro-a" → Pro-A), if exactly one."""
    named = [scheme for scheme in ref.financing.schemes if _mentions(text, scheme.terms)]
    return named[0] if len(named) == 1 else None
