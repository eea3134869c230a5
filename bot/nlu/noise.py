"""Seeded noise for training examples: how this public mistypes what it means.

Each noisy copy applies one or two of: a homophone ending (é/er/ez/ai), peu/peut,
a/à, ça/sa, a lost apostrophe ("jai"), a lost accent, an AZERTY neighbour key, a
letter dropped or doubled. The same text always gets the same noise (the seed and
the text make the random generator), so training stays reproducible.
"""

from __future__ import annotations

import random
import re
import zlib

# Keys next to each letter on a French AZERTY keyboard.
AZERTY_NEIGHBOURS = {
    "a": "zqs",
    "z": "aeqsd",
    "e": "zrsdf",
    "r": "etdfg",
    "t": "ryfgh",
    "y": "tughj",
    "u": "yihjk",
    "i": "uojkl",
    "o": "ipklm",
    "p": "olm",
    "q": "azsw",
    "s": "qzedxw",
    "d": "serfxc",
    "f": "drtgcv",
    "g": "ftyhvb",
    "h": "gyujbn",
    "j": "huiknb",
    "k": "jiolm",
    "l": "kopm",
    "m": "lpk",
    "w": "qsx",
    "x": "wsdc",
    "c": "xdfv",
    "v": "cfgb",
    "b": "vghn",
    "n": "bhj",
}
HOMOPHONE_ENDINGS = [
    ("er", "é"),
    ("é", "er"),
    ("ez", "é"),
    ("ai", "é"),
    ("é", "ez"),
    ("ais", "é"),
    ("ait", "é"),
]
HOMOPHONE_WORDS = {
    "peut": "peu",
    "peux": "peu",
    "à": "a",
    "a": "à",
    "ça": "sa",
    "ce": "se",
    "c'est": "c",
    "est": "é",
    "et": "é",
    "qui": "ki",
    "quoi": "koi",
}
_ACCENTS = str.maketrans("éèêàâùûîôç", "eeeaauuioc")
_WORD = re.compile(r"\w+|[^\w\s]+|\s+")


def noisy(text: str, seed: int) -> str:
    """One or two noises applied to the text, decided by the seed and the text."""
    rng = random.Random(seed ^ zlib.crc32(text.encode("utf-8")))
    result = text
    for _ in range(rng.choice((1, 1, 2))):
        result = rng.choice(NOISES)(result, rng)
    return result


def _homophone(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    options = [
        i
        for i, w in enumerate(words)
        if w.lower() in HOMOPHONE_WORDS
        or any(w.endswith(end) and len(w) > len(end) + 2 for end, _ in HOMOPHONE_ENDINGS)
    ]
    if not options:
        return _typo(text, rng)
    index = rng.choice(options)
    word = words[index]
    if word.lower() in HOMOPHONE_WORDS:
        words[index] = HOMOPHONE_WORDS[word.lower()]
    else:
        end, other = rng.choice([(e, o) for e, o in HOMOPHONE_ENDINGS if word.endswith(e)])
        words[index] = word[: -len(end)] + other
    return " ".join(words)


def _apostrophe(text: str, rng: random.Random) -> str:
    return (
        text.replace("'", "").replace("’", "") if "'" in text or "’" in text else (_typo(text, rng))
    )


def _accents(text: str, rng: random.Random) -> str:
    return text.translate(_ACCENTS)


def _typo(text: str, rng: random.Random) -> str:
    """A neighbour key, a dropped or a doubled letter, in one word of 4 letters or more."""
    parts = _WORD.findall(text)
    options = [i for i, part in enumerate(parts) if part.isalpha() and len(part) >= 4]
    if not options:
        return text
    index = rng.choice(options)
    word = parts[index]
    position = rng.randrange(1, len(word))
    letter = word[position].lower()
    kind = rng.choice(("neighbour", "drop", "double"))
    if kind == "neighbour" and letter in AZERTY_NEIGHBOURS:
        word = word[:position] + rng.choice(AZERTY_NEIGHBOURS[letter]) + word[position + 1 :]
    elif kind == "double":
        word = word[:position] + word[position] + word[position:]
    else:
        word = word[:position] + word[position + 1 :]
    parts[index] = word
    return "".join(parts)


NOISES = (_homophone, _apostrophe, _accents, _typo, _typo)
