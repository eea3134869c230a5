"""Which antenne covers a place: commune, postal code or département named in a message.

Pure functions over territory.json (the region's communes) and the
arrondissement → antenne mapping of clea.yml.
"""

import difflib
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import Optional

from referentiel.loader import Referentiel, load_referentiel
from referentiel.text import fold

DATA_FILE = Path(__file__).with_name("territory.json")

# Words after which a name is read as a place ("je suis de Lens", "j'habite Ham");
# a name after a preposition wins over one after a verb ("j'habite rue X à Lens").
STRONG_CONTEXT = frozenset(
    "a au aux de d du sur vers commune ville village pres cote secteur".split()
)
PLACE_CONTEXT = STRONG_CONTEXT | {"habite", "habites", "vis"}
# Words that may stand around a place in an answer that is only a place.
FILLERS = frozenset(
    """je j suis habite vis ma mon c est cest ces sa ca la le les l commune ville village
    code postal cp svp stp merci bonjour bjr slt salut moi dans en a au aux de d du sur et
    pres cote oui ok voila on nous travaille departement dept""".split()
)
_ABBREVIATIONS = {"st": "saint", "ste": "sainte"}
_ARTICLES = frozenset({"le", "la", "les", "l"})
# Words that join the parts of a name: "Boulogne-sur-Mer" is also called "Boulogne".
_LINKS = frozenset("sur sous en les le la lez pres de d du aux au et".split())
_POSTAL_CODE = re.compile(r"(?<![\d])(\d{2}) ?(\d{3})(?![\d])")
_OTHER_NUMBER = re.compile(r"(?<![\d])\d{4}(?![\d])|(?<![\d])\d{6,}(?![\d])")
_DEPARTEMENT_NUMBER = re.compile(r"^(?:0?[1-9]|[1-8]\d|9[0-5]|2a|2b|97[1-6])$")
_MAX_NAME_TOKENS = 8
# A short form stands for a name only when few communes share it ("Boulogne", not "Villers").
_MAX_COMMUNES_PER_SHORT_NAME = 4
_MIN_SHORT_NAME_LENGTH = 5


class Outcome(Enum):
    FOUND = "found"  # one antenne
    CHOOSE = "choose"  # several communes under different antennes: ask which
    CONFIRM = "confirm"  # a one-typo match: ask to confirm
    NOT_FOUND = "not_found"  # a name or code that is not in the region's data
    OUTSIDE_REGION = "outside_region"
    MALFORMED = "malformed"  # a number that is not a 5-digit postal code
    ASK_COMMUNE = "ask_commune"  # a département split between antennes
    NONE = "none"  # no place in the message


@dataclass(frozen=True)
class Commune:
    id: str
    name: str
    departement: str
    arrondissement: str
    postal_codes: tuple[str, ...]
    population: int


@dataclass(frozen=True)
class Location:
    """What a message says about where the person is."""

    outcome: Outcome
    antenne_id: Optional[str] = None
    commune: Optional[Commune] = None
    name: Optional[str] = None  # commune name, when several communes share it
    postal_code: Optional[str] = None
    departement: Optional[str] = None
    candidates: tuple[Commune, ...] = field(default_factory=tuple)
    query: str = ""
    place_only: bool = False  # the message is a place and nothing else


def name_key(text: str) -> str:
    """Comparable form of a place name: folded, words only, "st" read as "saint"."""
    tokens = re.findall(r"[a-z0-9]+", fold(text))
    return " ".join(_ABBREVIATIONS.get(token, token) for token in tokens)


def one_edit_apart(a: str, b: str) -> bool:
    """True when b is a with one letter added, removed, changed or two swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i, (x, y) in enumerate(zip(a, b)) if x != y]
        return len(diffs) == 1 or (
            len(diffs) == 2 and diffs[1] == diffs[0] + 1 and a[diffs[0]] == b[diffs[1]]
            and a[diffs[1]] == b[diffs[0]]
        )
    shorter, longer = (a, b) if len(a) < len(b) else (b, a)
    return any(longer[:i] + longer[i + 1:] == shorter for i in range(len(longer)))


class Territory:
    """The region's communes, indexed by id, postal code and name."""

    def __init__(self, data: dict, ref: Referentiel) -> None:
        self.ref = ref
        self.departements = {d.code: d for d in ref.region.departements}
        self.antenne_of_arrondissement = {
            code: antenne.id for antenne in ref.antennes for code in antenne.arrondissements
        }
        self.communes = [Commune(*row[:4], tuple(row[4]), row[5]) for row in data["communes"]]
        self.by_id = {commune.id: commune for commune in self.communes}
        self.by_postal_code: dict[str, list[Commune]] = defaultdict(list)
        self.by_key: dict[str, list[Commune]] = defaultdict(list)
        for commune in self.communes:
            for code in commune.postal_codes:
                self.by_postal_code[code].append(commune)
            self.by_key[name_key(commune.name)].append(commune)
        short_names: dict[str, list[Commune]] = defaultdict(list)
        for commune in self.communes:
            for alias in _short_names(name_key(commune.name)):
                if alias not in self.by_key and len(alias) >= _MIN_SHORT_NAME_LENGTH:
                    short_names[alias].append(commune)
        for alias, communes in short_names.items():
            if len(communes) <= _MAX_COMMUNES_PER_SHORT_NAME:
                self.by_key[alias] = communes
        self.everyday_words = ref.region.everyday_word_names
        # Multi-word département names are read as one token ("pas_de_calais").
        self._departement_keywords = {
            keyword.replace(" ", "_"): d.code
            for d in ref.region.departements
            for keyword in d.keywords
        }

    def antenne_of(self, commune: Commune) -> str:
        return self.antenne_of_arrondissement[commune.arrondissement]

    def antennes_of(self, communes: list[Commune]) -> set[str]:
        return {self.antenne_of(commune) for commune in communes}

    def antennes_of_departement(self, code: str) -> set[str]:
        return self.antennes_of([c for c in self.communes if c.departement == code])

    def by_commune_id(self, commune_id: str) -> Location:
        """The location of a commune chosen with a button."""
        commune = self.by_id.get(commune_id)
        if commune is None:
            return Location(Outcome.NONE)
        return self._found(commune, place_only=True)

    def locate(self, text: str, near_names: bool = True) -> Location:
        """Read a place from a message and say which antenne covers it.

        With near_names, a name not in the data is compared with every known
        name (a typo to confirm, close names to offer); without, it is NONE.
        """
        tokens = self._tokens(text)
        postal_code = self._postal_code(text)
        departement, outside_departement = self._departement(tokens)
        span = self._name_span(tokens)
        name_positions = span[2] if span else range(0)
        place_only = bool(tokens) and all(
            index in name_positions or token in FILLERS or self._is_place_token(token)
            for index, token in enumerate(tokens)
        )

        if postal_code:
            return self._from_postal_code(postal_code, span, place_only)
        if span:
            hints = {t.zfill(2) for t in tokens if t.isdigit() and len(t) <= 2} | {
                self._departement_keywords[t] for t in tokens if t in self._departement_keywords
            }
            return self._from_name(span[0], hints, place_only)
        if outside_departement:
            return Location(Outcome.OUTSIDE_REGION, departement=outside_departement,
                            place_only=place_only)
        if departement:
            return self._from_departement(departement, place_only)
        if _OTHER_NUMBER.search(fold(text)):
            return Location(Outcome.MALFORMED, place_only=place_only)
        return self._closest(tokens) if near_names else Location(Outcome.NONE)

    # -- reading the message ------------------------------------------------

    def _tokens(self, text: str) -> list[str]:
        joined = name_key(text)
        for keyword in self._departement_keywords:
            if "_" in keyword:
                joined = re.sub(rf"\b{keyword.replace('_', ' ')}\b", keyword, joined)
        return joined.split()

    @staticmethod
    def _postal_code(text: str) -> Optional[str]:
        match = _POSTAL_CODE.search(fold(text))
        return match.group(1) + match.group(2) if match else None

    def _is_place_token(self, token: str) -> bool:
        return token.isdigit() or token in self._departement_keywords

    def _departement(self, tokens: list[str]) -> tuple[Optional[str], Optional[str]]:
        """(département of the region, département number outside it) named in the tokens."""
        joined = " ".join(tokens)
        for keyword, code in self._departement_keywords.items():
            if re.search(rf"(?:^|\b(?:le|la|l|dans|du|en|departement)\s){keyword}\b", joined) or (
                joined == keyword
            ):
                return code, None
        for index, token in enumerate(tokens):
            previous = tokens[index - 1] if index else ""
            if _DEPARTEMENT_NUMBER.match(token) and (
                len(tokens) == 1 or previous in {"le", "du", "departement", "dept", "dans"}
            ):
                code = token.zfill(2)
                if code in self.departements:
                    return code, None
                return None, code
        return None, None

    def _name_span(self, tokens: list[str]) -> Optional[tuple[str, int, range]]:
        """The commune name in the tokens that best stands in a place context."""
        best: Optional[tuple[tuple[int, int], str, range]] = None
        for start in range(len(tokens)):
            for length in range(min(_MAX_NAME_TOKENS, len(tokens) - start), 0, -1):
                key = " ".join(tokens[start:start + length])
                if key not in self.by_key:
                    continue
                positions = range(start, start + length)
                strength = self._context_strength(tokens, positions)
                if strength and (best is None or (strength, length) > best[0]):
                    best = ((strength, length), key, positions)
                break
        return (best[1], best[2].start, best[2]) if best else None

    def _context_strength(self, tokens: list[str], positions: range) -> int:
        """2: after a preposition or the whole answer; 1: after a verb; 0: no place context."""
        before = tokens[positions.start - 1] if positions.start else ""
        others = [t for i, t in enumerate(tokens) if i not in positions]
        if " ".join(tokens[i] for i in positions) in self.everyday_words:
            return 2 if before in STRONG_CONTEXT or not others else 0
        if before in STRONG_CONTEXT or all(
            t in FILLERS or self._is_place_token(t) for t in others
        ):
            return 2
        return 1 if before in PLACE_CONTEXT else 0

    # -- answers --------------------------------------------------------------

    def _found(self, commune: Commune, postal_code: Optional[str] = None,
               place_only: bool = False) -> Location:
        code = postal_code or (commune.postal_codes[0] if len(commune.postal_codes) == 1 else None)
        return Location(Outcome.FOUND, self.antenne_of(commune), commune=commune,
                        name=commune.name, postal_code=code, departement=commune.departement,
                        place_only=place_only)

    def _from_postal_code(self, code: str, span, place_only: bool) -> Location:
        if code[:2] not in self.departements:
            return Location(Outcome.OUTSIDE_REGION, postal_code=code, place_only=place_only)
        communes = self.by_postal_code.get(code, [])
        if not communes:
            return Location(Outcome.NOT_FOUND, postal_code=code, query=code, place_only=place_only)
        if span:
            named = [c for c in communes if c in self.by_key[span[0]]]
            if len(named) == 1:
                return self._found(named[0], code, place_only)
        if len(communes) == 1:
            return self._found(communes[0], code, place_only)
        antennes = self.antennes_of(communes)
        if len(antennes) == 1:
            return Location(Outcome.FOUND, antennes.pop(), postal_code=code,
                            departement=code[:2], place_only=place_only)
        return Location(Outcome.CHOOSE, postal_code=code, place_only=place_only,
                        candidates=tuple(sorted(communes, key=lambda c: -c.population)))

    def _from_name(self, key: str, departements: set, place_only: bool) -> Location:
        communes = self.by_key[key]
        if any(c.departement in departements for c in communes):
            communes = [c for c in communes if c.departement in departements]
        if len(communes) == 1:
            return self._found(communes[0], place_only=place_only)
        antennes = self.antennes_of(communes)
        # One name when they differ only by accents (Abbécourt, Abbecourt); none for a short form.
        name = communes[0].name if len({name_key(c.name) for c in communes}) == 1 else None
        if len(antennes) == 1:
            return Location(Outcome.FOUND, antennes.pop(), name=name, place_only=place_only,
                            candidates=tuple(communes))
        return Location(Outcome.CHOOSE, name=name, place_only=place_only,
                        candidates=tuple(sorted(communes, key=lambda c: -c.population)))

    def _from_departement(self, code: str, place_only: bool) -> Location:
        antennes = self.antennes_of_departement(code)
        if len(antennes) == 1:
            return Location(Outcome.FOUND, antennes.pop(), departement=code,
                            place_only=place_only)
        return Location(Outcome.ASK_COMMUNE, departement=code, place_only=place_only)

    def _closest(self, tokens: list[str]) -> Location:
        """A name that is not in the data: a one-typo match to confirm, or close names."""
        query_tokens = self._query_tokens(tokens)
        if not query_tokens:
            return Location(Outcome.NONE)
        query = " ".join(query_tokens)
        typo_matches = [
            commune
            for key, communes in self.by_key.items()
            if len(key) >= 3 and one_edit_apart(query, key)
            for commune in communes
        ]
        if typo_matches:
            return Location(Outcome.CONFIRM, query=query, place_only=True,
                            candidates=tuple(_unique_by_name(typo_matches)))
        close_keys = difflib.get_close_matches(query, self.by_key, n=3, cutoff=0.75)
        for token in query_tokens if len(query_tokens) > 1 else []:
            if len(token) >= 4:
                close_keys += difflib.get_close_matches(token, self.by_key, n=2, cutoff=0.8)
        candidates = [c for key in dict.fromkeys(close_keys) for c in self.by_key[key]]
        return Location(Outcome.NOT_FOUND, query=query, place_only=False,
                        candidates=tuple(_unique_by_name(candidates)))

    @staticmethod
    def _query_tokens(tokens: list[str]) -> list[str]:
        """The words that should be a place: after the last place word, or the whole answer."""
        for index in range(len(tokens) - 1, -1, -1):
            if tokens[index] in PLACE_CONTEXT and index + 1 < len(tokens):
                return [t for t in tokens[index + 1:index + 5] if t not in FILLERS]
        remaining = [t for t in tokens if t not in FILLERS]
        return remaining if 0 < len(remaining) <= 4 else []


def _short_names(key: str) -> list[str]:
    """Everyday short forms of a name: without its article, and its part before a link word."""
    tokens = key.split()
    aliases = []
    if tokens[0] in _ARTICLES and len(tokens) > 1:
        if len(tokens) > 2:
            aliases += [" ".join(tokens[:2]), tokens[1]]  # "(le) Touquet": Le Touquet-Paris-Plage
        tokens = tokens[1:]
        aliases.append(" ".join(tokens))  # "au Quesnoy" for Le Quesnoy
    for index, token in enumerate(tokens[1:], start=1):
        if token in _LINKS:
            aliases.append(" ".join(tokens[:index]))  # "Boulogne" for Boulogne-sur-Mer
            break
    return aliases


def _unique_by_name(communes: list[Commune]) -> list[Commune]:
    """Communes by decreasing population, one per name and département."""
    seen: set[tuple[str, str]] = set()
    unique = []
    for commune in sorted(communes, key=lambda c: -c.population):
        if (commune.name, commune.departement) not in seen:
            seen.add((commune.name, commune.departement))
            unique.append(commune)
    return unique


@lru_cache(maxsize=1)
def load_territory() -> Territory:
    """The region's territory, loaded once."""
    return Territory(json.loads(DATA_FILE.read_text(encoding="utf-8")), load_referentiel())
