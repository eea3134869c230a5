"""Which antenne covers a place: commune, postal code or département named in a message.

Pure functions over territory.json (the region's communes) and the
arrondissement → antenne mapping of clea.yml.
"""

import itertools
import json
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from enum import Enum
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from referentiel.loader import Referentiel, load_referentiel
from referentiel.normalise import ABBREVIATIONS, folded_zipf, load_lexicon, normaliser
from referentiel.text import fold

DATA_FILE = Path(__file__).with_name("territory.json")
FRANCE_FILE = Path(__file__).with_name("france.json")

# Words right before a name that make it a place ("je suis de Lens", "antenne Lens");
# a name after a preposition wins over one after another place word
# ("j'habite rue X à Lens").
PREPOSITIONS = frozenset(["a", "au", "aux", "de", "d", "du", "sur", "vers", "pour", "pres", "cote"])
STRONG_CONTEXT = PREPOSITIONS | frozenset(
    [
        "commune",
        "ville",
        "village",
        "secteur",
        "habite",
        "habites",
        "vis",
        "antenne",
        "antennes",
        "region",
    ]
)
PLACE_NOUNS = frozenset(["commune", "ville", "village", "cp"])
# Words before "à"/"de" that make an everyday-word name a place ("je suis de Rue").
PLACE_VERBS = frozenset(
    [
        "suis",
        "est",
        "sommes",
        "habite",
        "habites",
        "habitons",
        "vis",
        "viens",
        "reside",
        "demeure",
        "demenage",
        "demenager",
        "arrive",
        "arriver",
        "installe",
        "situe",
        "domicilie",
        "domiciliee",
        "bosse",
        "travaille",
        "salarie",
        "commune",
        "ville",
        "village",
        "antenne",
        "secteur",
        "coin",
        "cote",
        "pres",
        "proche",
        "region",
        "moi",
    ]
)
# A message that asks where to turn makes an everyday-word name a place ("Champs, je
# contacte qui ?"), unless the name follows a word that introduces a person's name.
ROUTING_WORDS = frozenset(
    [
        "antenne",
        "antennes",
        "contacte",
        "contacter",
        "appeler",
        "joindre",
        "adresser",
        "depend",
        "interlocuteur",
    ]
)
_NAMING = frozenset(["appelle", "nom", "prenom", "suis"])
ASKS_WHERE_MAX_ZIPF = 4.5  # not for the commonest words ("ville", "y")
_IS = frozenset(["c", "est", "cest"])
# A name that is also an everyday French word or first name ("Rue", "Albert", "Sourd")
# is a place only right after a place word, or alone: these are the names at least
# this frequent in French (wordfreq, Zipf scale) among communes under this population.
EVERYDAY_ZIPF = 3.0
EVERYDAY_MAX_POPULATION = 25_000
ARTICLE_NAME_MAX_ZIPF = 3.5
# What may stand beside an everyday-word name that is alone ("Albert ?", "Rue svp").
ALONE_FILLERS = frozenset(
    [
        "svp",
        "stp",
        "s",
        "il",
        "vous",
        "te",
        "plait",
        "merci",
        "bonjour",
        "salut",
        "oui",
        "ok",
        "voila",
        "commune",
        "ville",
        "village",
        "code",
        "postal",
        "cp",
    ]
)
# Fuzzy names (typos): only words that are not French words are compared (Zipf below),
# with rapidfuzz's ratio: at least FOUND_SCORE to read it at once, CONFIRM_SCORE to ask.
UNKNOWN_WORD_ZIPF = 3.0
FOUND_SCORE = 90
CONFIRM_SCORE = 80
CLOSE_SCORE = 72
_SHORT_QUERY = 5
# A word one letter away from a common word ("mercii") is compared with the names all
# the same when it is as close to a commune's name ("amien", Amiens) and this long.
NEAR_NAME_MIN_LENGTH = 5
# Words that may stand around a place in an answer that is only a place.
FILLERS = frozenset(
    [
        "je",
        "j",
        "suis",
        "habite",
        "vis",
        "ma",
        "mon",
        "c",
        "est",
        "cest",
        "ces",
        "sa",
        "ca",
        "la",
        "le",
        "les",
        "l",
        "commune",
        "ville",
        "village",
        "code",
        "postal",
        "cp",
        "svp",
        "stp",
        "merci",
        "bonjour",
        "bjr",
        "slt",
        "salut",
        "moi",
        "dans",
        "en",
        "a",
        "au",
        "aux",
        "de",
        "d",
        "du",
        "sur",
        "et",
        "pres",
        "cote",
        "oui",
        "ok",
        "voila",
        "on",
        "nous",
        "travaille",
        "departement",
        "dept",
        "s",
        "il",
        "vous",
        "te",
        "plait",
        "pour",
        "vers",
    ]
)
_ARTICLES = frozenset({"le", "la", "les", "l"})
# A name right after one of these is a thing, not the commune ("je taille les pommiers",
# "l'Amiens SC"), unless the word is part of the name ("La Madeleine", "Le Portel").
_DETERMINERS = _ARTICLES | frozenset(
    [
        "un",
        "une",
        "mon",
        "ma",
        "mes",
        "ton",
        "ta",
        "tes",
        "son",
        "sa",
        "ses",
        "notre",
        "nos",
        "votre",
        "vos",
        "leur",
        "leurs",
        "ce",
        "cet",
        "cette",
        "ces",
    ]
)
# Preposition and article in one word, before a name that starts with the article.
_CONTRACTIONS = {"au": ["a", "le"], "aux": ["a", "les"], "du": ["de", "le"], "des": ["de", "les"]}
# Words that join the parts of a name: "Boulogne-sur-Mer" is also called "Boulogne".
_LINKS = frozenset(
    ["sur", "sous", "en", "les", "le", "la", "lez", "pres", "de", "d", "du", "aux", "au", "et"]
)
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
    antenne_id: str | None = None
    commune: Commune | None = None
    name: str | None = None  # commune name, when several communes share it
    postal_code: str | None = None
    departement: str | None = None
    candidates: tuple[Commune, ...] = field(default_factory=tuple)
    query: str = ""
    place_only: bool = False  # the message is a place and nothing else
    region: str | None = None  # the region of a place outside the region
    words: str = ""  # the words of the message that name the place (name-key form)

    @property
    def is_place(self) -> bool:
        """The message names a place: an antenne, a choice, a typo to confirm, another region."""
        return self.outcome in {
            Outcome.FOUND,
            Outcome.CHOOSE,
            Outcome.CONFIRM,
            Outcome.OUTSIDE_REGION,
            Outcome.ASK_COMMUNE,
        }


def name_key(text: str) -> str:
    """Comparable form of a place name: folded, words only, "st" read as "saint"."""
    tokens = re.findall(r"[a-z0-9]+", fold(text))
    return " ".join(ABBREVIATIONS.get(token, token) for token in tokens)


class Territory:
    """The region's communes, indexed by id, postal code and name."""

    def __init__(self, data: dict, ref: Referentiel, france: dict) -> None:
        self.ref = ref
        self.departements = {d.code: d for d in ref.region.departements}
        self.antenne_of_arrondissement = {
            code: antenne.id for antenne in ref.antennes for code in antenne.arrondissements
        }
        self.communes = [
            Commune(row[0], row[1], row[2], row[3], tuple(row[4]), row[5])
            for row in data["communes"]
        ]
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
            if len(communes) <= _MAX_COMMUNES_PER_SHORT_NAME and (
                not _everyday(alias, communes) or _rare_with_its_article(alias)
            ):
                self.by_key[alias] = communes
        self.everyday_names = {
            key for key, communes in self.by_key.items() if _everyday(key, communes)
        }
        self._fuzzy_keys = [key for key in self.by_key if len(key) >= 3]
        self.regions = france["regions"]
        self.region_of_departement = france["departements"]
        self.outside: dict[str, tuple[str, str]] = {}  # name key → (name, département)
        for name, departement, _ in france["communes"]:  # most populated first
            key = name_key(name)
            if key not in self.by_key and key not in self.outside:
                self.outside[key] = (name, departement)
        # "le quesnoy", "les attaques": the article and first word of names that have one.
        self._article_heads = frozenset(
            " ".join(key.split()[:2]) for key in self.by_key if key.split()[0] in _ARTICLES
        )
        self.name_words = frozenset(
            word for c in self.communes for word in name_key(c.name).split()
        )
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

    def locate(self, text: str, asked: bool = False) -> Location:
        """Read a place from a message and say which antenne covers it; a name not in
        the data, where a place is expected, is compared with the known names (a typo
        read or to confirm, close names to offer). `asked`: the message answers "quelle
        est votre commune ?", so a name that is also an everyday word counts among any
        filler words ("c champs", "moi c'est Rue"), not only alone."""
        tokens = self._tokens(text)
        postal_code = self._postal_code(text)
        departement, outside_departement = self._departement(tokens)
        span = self._name_span(tokens, asked)
        name_positions = span[2] if span else range(0)
        place_only = bool(tokens) and all(
            index in name_positions or token in FILLERS or self._is_place_token(token)
            for index, token in enumerate(tokens)
        )

        outside = self._outside_name(tokens)
        if outside and (not span or len(outside[1]) > len(span[2])):
            span = None  # "Charleville-Mézières" is not "Mézières" of the region
        if postal_code:
            return replace(self._from_postal_code(postal_code, span, place_only), words=postal_code)
        if span:
            hints = {t.zfill(2) for t in tokens if t.isdigit() and len(t) <= 2} | {
                self._departement_keywords[t] for t in tokens if t in self._departement_keywords
            }
            return replace(self._from_name(span[0], hints, place_only), words=span[0])
        if outside_departement:
            return Location(
                Outcome.OUTSIDE_REGION,
                departement=outside_departement,
                place_only=place_only,
                region=self._region(outside_departement),
            )
        if departement:
            return self._from_departement(departement, place_only)
        if outside:
            location, positions = outside
            return replace(location, words=" ".join(tokens[i] for i in positions))
        if _OTHER_NUMBER.search(fold(text)):
            return Location(Outcome.MALFORMED, place_only=place_only)
        closest = self._closest(tokens, asked)
        return replace(closest, words=closest.query)

    # -- reading the message ------------------------------------------------

    def _tokens(self, text: str) -> list[str]:
        """Name-key words, SMS forms read ("pr" → "pour", "jhabite" → "j habite") unless
        they are words of a commune name."""
        sms = load_lexicon().sms
        words = []
        for word in name_key(text).split():
            if word in self.name_words:
                words.append(word)
            elif word in sms:
                words += sms[word].split()
            elif word[:1] in ("j", "l") and word[1:] in STRONG_CONTEXT:
                words += [word[0], word[1:]]
            else:
                words.append(word)
        words = self._uncontracted(words)
        joined = " ".join(words)
        for keyword in self._departement_keywords:
            if "_" in keyword:
                joined = re.sub(rf"\b{keyword.replace('_', ' ')}\b", keyword, joined)
        return joined.split()

    def _uncontracted(self, words: list[str]) -> list[str]:
        """ "au Quesnoy", "aux Attaques", "du Sourd": the preposition and the article of the
        name (Le Quesnoy, Les Attaques, Le Sourd), apart."""
        result: list[str] = []
        for index, word in enumerate(words):
            following = words[index + 1] if index + 1 < len(words) else ""
            contraction = _CONTRACTIONS.get(word)
            inside_a_name = bool(result) and result[-1] in self.name_words  # Wiry-au-Mont
            if (
                contraction
                and not inside_a_name
                and f"{contraction[1]} {following}" in self._article_heads
            ):
                result += contraction
            else:
                result.append(word)
        return result

    @staticmethod
    def _postal_code(text: str) -> str | None:
        match = _POSTAL_CODE.search(fold(text))
        return match.group(1) + match.group(2) if match else None

    def _is_place_token(self, token: str) -> bool:
        return token.isdigit() or token in self._departement_keywords

    def _departement(self, tokens: list[str]) -> tuple[str | None, str | None]:
        """(département of the region, département number outside it) named in the tokens."""
        joined = " ".join(tokens)
        for keyword, code in self._departement_keywords.items():
            if re.search(rf"(?:^|\b(?:le|la|l|dans|du|en|departement)\s){keyword}\b", joined) or (
                joined == keyword
            ):
                return code, None
        for index, token in enumerate(tokens):
            previous = tokens[index - 1] if index else ""
            # A digit alone is a quiz answer ("2"), a département is written "02".
            if _DEPARTEMENT_NUMBER.match(token) and (
                (len(tokens) == 1 and len(token) == 2)
                or previous in {"le", "du", "departement", "dept", "dans"}
            ):
                code = token.zfill(2)
                if code in self.departements:
                    return code, None
                return None, code
        return None, None

    def _name_span(self, tokens: list[str], asked: bool = False) -> tuple[str, int, range] | None:
        """The commune name in the tokens that best stands in a place context."""
        best: tuple[tuple[int, int], str, range] | None = None
        covered = 0  # a name inside a longer name is not a name ("Écaillon" in Monchaux-sur-…)
        for key, positions in _longest_names(tokens, self.by_key):
            if positions.stop <= covered:
                continue
            covered = positions.stop
            strength = self._context_strength(tokens, positions, key in self.everyday_names, asked)
            if strength and (best is None or (strength, len(positions)) > best[0]):
                best = ((strength, len(positions)), key, positions)
        return (best[1], best[2].start, best[2]) if best else None

    def _context_strength(
        self, tokens: list[str], positions: range, everyday: bool = False, asked: bool = False
    ) -> int:
        """3: after a preposition; 2: after another place word, or the whole answer;
        1: elsewhere; 0: not a place here.

        An everyday-word name (`everyday`) is a place only after a place word or alone.
        """
        before = tokens[positions.start - 1] if positions.start else ""
        if before in _DETERMINERS:
            return 0
        others = [t for i, t in enumerate(tokens) if i not in positions]
        if before in PREPOSITIONS and (not everyday or self._after_place_verb(tokens, positions)):
            return 3
        if before in STRONG_CONTEXT - (PREPOSITIONS if everyday else frozenset()) or (
            # "ma commune c'est X"
            before in _IS
            and PLACE_NOUNS & set(tokens[max(0, positions.start - 4) : positions.start])
        ):
            return 2
        if everyday:
            key = " ".join(tokens[i] for i in positions)
            fillers = FILLERS if asked else ALONE_FILLERS
            alone = all(t in fillers or self._is_place_token(t) for t in others)
            asks_where = (
                len(key) >= 4
                and folded_zipf(key) < ASKS_WHERE_MAX_ZIPF
                and before not in _NAMING
                and ROUTING_WORDS & set(others)
            )
            return 2 if alone or asks_where or self._area_follows(tokens, positions) else 0
        return 2 if all(t in FILLERS or self._is_place_token(t) for t in others) else 1

    def _area_follows(self, tokens: list[str], positions: range) -> bool:
        """ "Salomé dans le Nord", "Devise 80200": a département or a postal code right
        after the name."""
        after = tokens[positions.stop : positions.stop + 3]
        return any(
            token in self._departement_keywords
            or _POSTAL_CODE.fullmatch(token)
            or (token in self.departements and index and after[index - 1] in ("le", "dans"))
            for index, token in enumerate(after)
        )

    @staticmethod
    def _after_place_verb(tokens: list[str], positions: range) -> bool:
        """ "je suis de Rue", "j'habite à Ham", "Eps" alone: the preposition before the name
        follows a word that says where one lives, or nothing but fillers."""
        head = tokens[: positions.start - 1]
        return not head or head[-1] in PLACE_VERBS or all(t in FILLERS for t in head)

    def _outside_name(self, tokens: list[str]) -> tuple[Location, range] | None:
        """A commune of another region named in a place context (or alone), and where."""
        for key, positions in _longest_names(tokens, self.outside):
            content = _content_words(key)
            everyday = (
                len(key) <= 3
                or folded_zipf(key) >= EVERYDAY_ZIPF
                or (len(content) == 1 and folded_zipf(content[0]) >= EVERYDAY_ZIPF)
            )  # "les fins"
            if self._context_strength(tokens, positions, everyday):
                name, departement = self.outside[key]
                return Location(
                    Outcome.OUTSIDE_REGION,
                    name=name,
                    departement=departement,
                    region=self._region(departement),
                ), positions
        return None

    def _region(self, departement: str) -> str | None:
        """The name of the region of a département code outside the region."""
        return self.regions.get(self.region_of_departement.get(departement, ""))

    # -- answers --------------------------------------------------------------

    def _found(
        self, commune: Commune, postal_code: str | None = None, place_only: bool = False
    ) -> Location:
        code = postal_code or (commune.postal_codes[0] if len(commune.postal_codes) == 1 else None)
        return Location(
            Outcome.FOUND,
            self.antenne_of(commune),
            commune=commune,
            name=commune.name,
            postal_code=code,
            departement=commune.departement,
            place_only=place_only,
        )

    def _from_postal_code(self, code: str, span, place_only: bool) -> Location:
        if code[:2] not in self.departements:
            departement = (
                code[:3] if code.startswith("97") else "2A" if code[:2] == "20" else code[:2]
            )
            return Location(
                Outcome.OUTSIDE_REGION,
                postal_code=code,
                place_only=place_only,
                region=self._region(departement),
            )
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
            return Location(
                Outcome.FOUND,
                antennes.pop(),
                postal_code=code,
                departement=code[:2],
                place_only=place_only,
            )
        return Location(
            Outcome.CHOOSE,
            postal_code=code,
            place_only=place_only,
            candidates=tuple(sorted(communes, key=lambda c: -c.population)),
        )

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
            return Location(
                Outcome.FOUND,
                antennes.pop(),
                name=name,
                place_only=place_only,
                candidates=tuple(communes),
            )
        return Location(
            Outcome.CHOOSE,
            name=name,
            place_only=place_only,
            candidates=tuple(sorted(communes, key=lambda c: -c.population)),
        )

    def _from_departement(self, code: str, place_only: bool) -> Location:
        antennes = self.antennes_of_departement(code)
        if len(antennes) == 1:
            return Location(Outcome.FOUND, antennes.pop(), departement=code, place_only=place_only)
        return Location(Outcome.ASK_COMMUNE, departement=code, place_only=place_only)

    def _closest(self, tokens: list[str], asked: bool) -> Location:
        """A name not in the data (a typo): read at once when one name is very close,
        else names to confirm or to choose from. Only what stands where a place is
        expected and is not French ("merci" is never Merck, "peux" never Preux) is
        compared: the words after a place word, or a whole answer of unknown words."""
        query_tokens, alone = self._query_tokens(tokens, asked)
        # An everyday-word name its context did not make a place is no typo ("l'échelle").
        unknown = [t for t in query_tokens if t not in self.everyday_names]
        if not unknown:
            return Location(Outcome.NONE)
        query = " ".join(query_tokens)
        queries = [query] + [t for t in unknown if len(t) >= 4] * (len(query_tokens) > 1)
        scored: dict[str, float] = {}
        for text in queries:
            for key, score, _ in process.extract(
                text, self._fuzzy_keys, scorer=fuzz.ratio, limit=4, score_cutoff=CLOSE_SCORE
            ):
                scored[key] = max(scored.get(key, 0.0), score)
        if len(query) <= _SHORT_QUERY:  # "Hom": one letter off is a question, not a guess
            for key, _, _ in process.extract(
                query, self._fuzzy_keys, scorer=Levenshtein.distance, limit=4, score_cutoff=1
            ):
                scored[key] = max(scored.get(key, 0.0), CONFIRM_SCORE)
        if not scored:
            return Location(Outcome.NOT_FOUND, query=query)
        ranked = sorted(scored, key=lambda k: -scored[k])
        best = scored[ranked[0]]
        clear = len(ranked) == 1 or scored[ranked[1]] < best - 5
        if best >= FOUND_SCORE and clear and len(ranked[0]) >= 5:
            return replace(self._from_name(ranked[0], set(), place_only=alone), query=query)
        if best >= CONFIRM_SCORE:
            near = [c for key in ranked if scored[key] >= CONFIRM_SCORE for c in self.by_key[key]]
            return Location(
                Outcome.CONFIRM,
                query=query,
                place_only=alone,
                candidates=tuple(_unique_by_name(near)),
            )
        candidates = [c for key in ranked for c in self.by_key[key]]
        return Location(
            Outcome.NOT_FOUND,
            query=query,
            place_only=False,
            candidates=tuple(_unique_by_name(candidates)),
        )

    def _query_tokens(self, tokens: list[str], asked: bool) -> tuple[list[str], bool]:
        """The words that should be a place, and whether the message is only them: the words
        after the last place word, or a whole answer of words that are not French. Where
        a place is expected (after a place word, or in the answer to "quelle est votre
        commune ?"), a word as close to a commune's name as to a common word counts too
        ("j'habite à amien"); elsewhere it is the common word ("mercii")."""
        for index in range(len(tokens) - 1, -1, -1):
            if tokens[index] in STRONG_CONTEXT and index + 1 < len(tokens):
                query = list(itertools.takewhile(self._maybe_name, tokens[index + 1 : index + 5]))
                end = index + 1 + len(query)
                alone = all(t in FILLERS for t in tokens[: index + 1] + tokens[end:])
                return query, alone
        remaining = [t for t in tokens if t not in FILLERS]
        maybe_name = self._maybe_name if asked else _unknown_word
        if 0 < len(remaining) <= 4 and all(maybe_name(t) for t in remaining):
            return remaining, True
        return [], False

    def _maybe_name(self, word: str) -> bool:
        """A word that may be a misspelt name where a place is expected: not French, or
        one letter away from a commune's name ("amien", Amiens) as from a common word."""
        if _unknown_word(word):
            return True
        return (
            len(word) >= NEAR_NAME_MIN_LENGTH
            and not word.isdigit()
            and folded_zipf(word) < UNKNOWN_WORD_ZIPF
            and process.extractOne(
                word, self._fuzzy_keys, scorer=Levenshtein.distance, score_cutoff=1
            )
            is not None
        )


def _longest_names(tokens: list[str], names) -> Iterator[tuple[str, range]]:
    """For each word, the longest run of words from it that is one of `names`, and where."""
    for start in range(len(tokens)):
        for length in range(min(_MAX_NAME_TOKENS, len(tokens) - start), 0, -1):
            key = " ".join(tokens[start : start + length])
            if key in names:
                yield key, range(start, start + length)
                break


def _unknown_word(word: str) -> bool:
    """Not a French word (by frequency), nor a typo of a common one ("mercii"), nor a
    number: maybe a misspelt name."""
    return (
        not word.isdigit()
        and folded_zipf(word) < UNKNOWN_WORD_ZIPF
        and not normaliser().typo_of_common_word(word)
    )


def _everyday(key: str, communes: list[Commune]) -> bool:
    """A name that is also everyday French ("Rue", "Albert", "La Couture"), of small communes
    only: each of its words (articles aside) is a frequent French word."""
    words = _content_words(key)
    if len(key) <= 3:
        return True
    if len(words) > 1 or max(c.population for c in communes) >= EVERYDAY_MAX_POPULATION:
        return False  # a name of several words ("Saint-Thibaut") is a name
    word = words[0]
    glued_article = (
        word[0] in "ld" and len(word) >= 5 and folded_zipf(word[1:]) >= (EVERYDAY_ZIPF)
    )  # "loffre" is "l'offre"
    return glued_article or folded_zipf(word) >= EVERYDAY_ZIPF


def _content_words(key: str) -> list[str]:
    """The words of a name but its articles ("fins" for "les fins")."""
    return [word for word in key.split() if word not in _ARTICLES] or key.split()


def _rare_with_its_article(alias: str) -> bool:
    """ "le touquet", "la ferte": a short name that keeps its article and whose word is
    rarer than everyday phrases ("la rue", "le mont") is a name; the word alone may be
    frequent only because the place is well known."""
    words = alias.split()
    return (
        len(words) == 2
        and words[0] in _ARTICLES
        and folded_zipf(words[1]) < (ARTICLE_NAME_MAX_ZIPF)
    )


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
    return Territory(
        json.loads(DATA_FILE.read_text(encoding="utf-8")),
        load_referentiel(),
        json.loads(FRANCE_FILE.read_text(encoding="utf-8")),
    )


@lru_cache(maxsize=4096)
def locate(text: str) -> Location:
    """load_territory().locate(text), once per text: the tokenizer, the place extractor
    and the actions read the same message."""
    return load_territory().locate(text)
